/**
 * Progress on stderr for long work: a rewritten line on a terminal, a line
 * every 10% otherwise. Quiet for work that finishes within half a second.
 */
export class ProgressLine {
  private readonly started = Date.now();
  private lastPercent = -1;
  private shown = false;

  constructor(
    private readonly label: string,
    private readonly enabled = true,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, total: number, what: string): void {
    if (!this.enabled || total <= 0 || Date.now() - this.started < 500) return;
    const percent = Math.floor((100 * done) / total);
    if (this.stream.isTTY) {
      if (percent === this.lastPercent) return;
      this.stream.write(`\r${this.label}: ${what} ${percent}%`);
    } else {
      if (percent < this.lastPercent + 10 && percent < 100) return;
      this.stream.write(`${this.label}: ${what} ${percent}%\n`);
    }
    this.lastPercent = percent;
    this.shown = true;
  }

  done(): void {
    if (this.shown && this.stream.isTTY) this.stream.write('\n');
  }
}
