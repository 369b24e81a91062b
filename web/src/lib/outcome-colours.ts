import type { OutcomeKey } from './batch-stats.ts';

/**
 * One colour per outcome of the chart. Chosen so that every two stay apart (CIELAB ΔE ≥ 20) for
 * ordinary sight and under simulated protanopia, deuteranopia and tritanopia, and each bar has at
 * least 3:1 contrast with the white page (test/unit/web-outcome-colours.test.ts checks both). Busy
 * and failed also differ in lightness, so they stay apart in greyscale. Colour is never the only
 * cue: every bar and legend entry carries its outcome's name.
 */
export const OUTCOME_COLOURS: Readonly<Record<OutcomeKey, string>> = {
  answered: '#00523a',
  voicemail: '#7373d6',
  no_answer: '#ce8400',
  busy: '#4a1084',
  failed: '#a53108',
  canceled: '#8c846b',
  skipped: '#00a5ad',
};
