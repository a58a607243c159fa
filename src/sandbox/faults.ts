// Injected faults, drawn per command from a seeded PRNG so that a seed replays
// the same sequence: a temporary failure (420/421/423) answered before any
// effect, or a drop (the effect happens, the reply is lost), plus latency.
import { createRandom, type Random } from './prng.ts';

export interface FaultSettings {
  tempFailRate: number;
  dropRate: number;
  latencyMs: number;
}

export interface Fault {
  /** Answer this code instead of running the command. */
  readonly tempFail?: 420 | 421 | 423;
  /** Run the command, then destroy the connection without a reply. */
  readonly drop: boolean;
}

const NONE: Fault = Object.freeze({ drop: false });
const TEMP_CODES = [420, 421, 423] as const;

export class FaultPlan {
  private random: Random;

  constructor(
    private readonly seed: number,
    public settings: FaultSettings,
  ) {
    this.random = createRandom(seed);
  }

  /** The fault for the next command. Draws nothing when faults are off, so the sequence only depends on commands. */
  next(): Fault {
    const { tempFailRate, dropRate } = this.settings;
    if (tempFailRate > 0 && this.random() < tempFailRate) {
      return { tempFail: TEMP_CODES[Math.floor(this.random() * TEMP_CODES.length)] ?? 421, drop: false };
    }
    if (dropRate > 0 && this.random() < dropRate) return { drop: true };
    return NONE;
  }

  /** Start the seed's sequence over (POST /_sim/reset). */
  reset(): void {
    this.random = createRandom(this.seed);
  }
}
