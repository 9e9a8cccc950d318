/**
 * progress.ts — a dependency-free progress bar for the examples: one redrawn line on a terminal,
 * plain periodic lines (no carriage returns or escape codes) when the stream is a file, pipe or CI log.
 * Not a general-purpose library: single bar, no nesting, no colours.
 */

/** A value shown after the bar: a number (formatted with `digits`) or a ready string. */
export type Metric = number | string;

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** Text before the bar, e.g. 'epoch 1/3'. */
  label?: string;
  /** What one unit is, for the rate: 'samples' → 'samples/s'. Default 'it'. */
  unit?: string;
  /** Where to draw. Default process.stderr. */
  stream?: NodeJS.WriteStream;
  /** Without a TTY: print a line every this many percent (default 25) or every `plainEverySec` s (default 15). */
  plainEveryPct?: number;
  plainEverySec?: number;
  /** Force TTY or plain mode (default: the stream's isTTY, off when NO_PROGRESS_BAR is set). */
  tty?: boolean;
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--:--';
  const m = Math.floor(s / 60), r = Math.floor(s % 60);
  return `${m}:${String(r).padStart(2, '0')}`;
}

function fmtRate(r: number): string {
  return r >= 1e4 ? `${(r / 1000).toFixed(1)}k` : r >= 100 ? r.toFixed(0) : r.toFixed(1);
}

/**
 * A progress bar over `total` units.
 * @example
 * const bar = new Progress(60000, { label: 'epoch 1/3', unit: 'samples' });
 * bar.update(128, { loss: 0.31 });   // advance by 128 and show the latest loss
 * bar.done({ loss: 0.12, acc: '97.9%' });
 */
export class Progress {
  total: number;
  private n = 0;
  private readonly t0 = performance.now();
  private lastDraw = 0;
  private lastPlainPct = 0;
  private lastPlainT = 0;
  private readonly o: Required<Omit<ProgressOptions, 'stream' | 'tty'>> & { stream: NodeJS.WriteStream; tty: boolean };
  private metrics: Record<string, Metric> = {};

  constructor(total: number, opts: ProgressOptions = {}) {
    this.total = Math.max(1, total);
    const stream = opts.stream ?? process.stderr;
    this.o = {
      label: opts.label ?? '', unit: opts.unit ?? 'it', stream,
      plainEveryPct: opts.plainEveryPct ?? 25, plainEverySec: opts.plainEverySec ?? 15,
      tty: opts.tty ?? (Boolean(stream.isTTY) && !process.env.NO_PROGRESS_BAR),
    };
  }

  /** Changes the total (when a plan is revised mid-way); never below what is already done. */
  setTotal(total: number): void { this.total = Math.max(1, this.n, total); }

  /** Seconds since the bar was made. */
  get elapsed(): number { return (performance.now() - this.t0) / 1000; }
  /** Units per second so far. */
  get rate(): number { return this.n / Math.max(1e-9, this.elapsed); }

  /** Advances by `k` units and (at most ~10 times a second) redraws with the given metrics. */
  update(k: number, metrics?: Record<string, Metric>): void {
    this.n = Math.min(this.total, this.n + k);
    if (metrics) Object.assign(this.metrics, metrics);
    const now = performance.now();
    if (this.o.tty) {
      if (now - this.lastDraw >= 100 || this.n === this.total) { this.lastDraw = now; this.draw(false); }
      return;
    }
    const pct = (100 * this.n) / this.total;
    if (pct - this.lastPlainPct >= this.o.plainEveryPct || (now - this.lastPlainT) / 1000 >= this.o.plainEverySec) {
      if (this.n < this.total) { this.lastPlainPct = pct; this.lastPlainT = now; this.draw(false); }
    }
  }

  /** Finishes the bar: draws it at its final state and moves to a new line. */
  done(metrics?: Record<string, Metric>): void {
    if (metrics) Object.assign(this.metrics, metrics);
    this.draw(true);
  }

  private line(width: number): string {
    const frac = this.n / this.total;
    const el = this.elapsed, rate = this.rate;
    const eta = rate > 0 ? (this.total - this.n) / rate : NaN;
    const ms = Object.entries(this.metrics).map(([k, v]) => `${k} ${typeof v === 'number' ? v.toFixed(4) : v}`).join('  ');
    const head = this.o.label ? `${this.o.label} ` : '';
    const tail = ` ${String(Math.floor(frac * 100)).padStart(3)}% ${fmtTime(el)}<${fmtTime(eta)} ${fmtRate(rate)} ${this.o.unit}/s${ms ? '  ' + ms : ''}`;
    if (!this.o.tty) return `${head}${this.n}/${this.total}${tail}`;
    const barW = Math.max(10, Math.min(30, width - head.length - tail.length - 2));
    const full = Math.floor(frac * barW);
    const bar = '█'.repeat(full) + (full < barW ? '░'.repeat(barW - full) : '');
    return `${head}${bar}${tail}`;
  }

  private draw(final: boolean): void {
    const s = this.o.stream;
    if (this.o.tty) {
      const width = s.columns || 100;
      let text = this.line(width);
      if (text.length > width - 1) text = text.slice(0, width - 1);
      s.write(`\r${text}\x1b[K${final ? '\n' : ''}`);
    } else {
      s.write(this.line(0) + '\n');
    }
  }
}
