/**
 * Calls `tick` every `intervalMs` until stopped or until `tick` answers false. Ticks never overlap (a
 * slow answer delays the next one instead of stacking requests), and none is made while the tab is
 * hidden: the first visible moment catches up.
 */
export class Poller {
  private timer: number | undefined;
  private stopped = true;
  private readonly onVisible = () => {
    if (!document.hidden && !this.stopped && this.timer === undefined) void this.run();
  };

  constructor(
    private readonly tick: () => Promise<boolean>,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    document.addEventListener('visibilitychange', this.onVisible);
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    document.removeEventListener('visibilitychange', this.onVisible);
    if (this.timer !== undefined) window.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = window.setTimeout(() => {
      this.timer = undefined;
      if (document.hidden) return; // resumed by onVisible
      void this.run();
    }, this.intervalMs);
  }

  private async run(): Promise<void> {
    let again = true;
    try {
      again = await this.tick();
    } catch {
      // A failed poll is retried on the next tick; the page shows its own error state.
    }
    if (again) this.schedule();
    else this.stop();
  }
}
