import { describe, expect, it } from 'vitest';
import { OUTCOME_KEYS } from '../../web/src/lib/batch-stats.ts';
import { OUTCOME_COLOURS } from '../../web/src/lib/outcome-colours.ts';

/**
 * The outcome chart's colours stay apart for colour-blind viewers: every two of them are compared
 * in CIELAB as seen with ordinary sight and through the full-severity simulations of Machado,
 * Oliveira and Fernandes (2009), applied in linear RGB.
 */

type Matrix = readonly [readonly number[], readonly number[], readonly number[]];

const VISION: Record<string, Matrix> = {
  ordinary: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
  tritanopia: [
    [1.255528, -0.076749, -0.178779],
    [-0.078411, 0.930809, 0.147602],
    [0.004733, 0.691367, 0.3039],
  ],
};

function linearRgb(hex: string): number[] {
  return [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
}

function luminance([r = 0, g = 0, b = 0]: number[]): number {
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** CIELAB (D65) of a linear RGB colour, clamped to the displayable range first. */
function lab(rgb: number[]): [number, number, number] {
  const [r = 0, g = 0, b = 0] = rgb.map((v) => Math.min(1, Math.max(0, v)));
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = luminance([r, g, b]);
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

function seenAs(matrix: Matrix, hex: string): [number, number, number] {
  const rgb = linearRgb(hex);
  return lab(matrix.map((row) => row.reduce((sum, m, i) => sum + m * (rgb[i] ?? 0), 0)));
}

function deltaE(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(...a.map((v, i) => v - (b[i] ?? 0)));
}

describe('outcome chart colours', () => {
  it('has one colour for each outcome of the chart', () => {
    expect(Object.keys(OUTCOME_COLOURS).sort()).toEqual([...OUTCOME_KEYS].sort());
  });

  for (const [vision, matrix] of Object.entries(VISION)) {
    it(`keeps every two outcomes apart with ${vision}`, () => {
      const tooClose: string[] = [];
      for (const [i, a] of OUTCOME_KEYS.entries()) {
        for (const b of OUTCOME_KEYS.slice(i + 1)) {
          const d = deltaE(seenAs(matrix, OUTCOME_COLOURS[a]), seenAs(matrix, OUTCOME_COLOURS[b]));
          if (d < 20) tooClose.push(`${a}/${b} ΔE ${d.toFixed(1)}`);
        }
      }
      expect(tooClose).toEqual([]);
    });
  }

  it('tells busy from failed by lightness too, for greyscale and print', () => {
    const [busy] = lab(linearRgb(OUTCOME_COLOURS.busy));
    const [failed] = lab(linearRgb(OUTCOME_COLOURS.failed));
    expect(Math.abs(busy - failed)).toBeGreaterThanOrEqual(10);
  });

  it('gives every bar at least 3:1 contrast with the white page', () => {
    const weak = OUTCOME_KEYS.filter((k) => 1.05 / (luminance(linearRgb(OUTCOME_COLOURS[k])) + 0.05) < 3);
    expect(weak).toEqual([]);
  });
});
