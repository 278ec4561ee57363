import type { Normaliser } from "./compare.js";
import type { Outcome } from "./ops.js";
import type { StepKind } from "./random.js";

// Scenarios expected to differ from SQLAlchemy for now. The oracle fails when one of them agrees,
// so these lists shrink as fixes land; every item of issue 12 is fixed, so they are empty.
// Differences meant to stay belong in differences.ts.

/** Scenario name → the item of issue 12 that is not fixed yet. */
export const PENDING: Readonly<Record<string, string>> = {};

/**
 * How the random sequences live with an open item: step kinds left out, or a normaliser hiding
 * it, while the item is in PENDING (and automatically no longer once it is not).
 */
export const PENDING_IN_RANDOM: Readonly<Record<string, { readonly exclude?: readonly StepKind[]; readonly normalise?: Normaliser }>> = {};

/** A divergence found by the oracle beyond issue 12's list, not fixed yet. */
export interface NewDivergence {
  /** The deterministic scenario that shows it (it must differ). */
  readonly scenario: string;
  readonly what: string;
  /** For random sequences only: hides this divergence so that they can find others. */
  readonly normalise?: (sqlalchemy: Outcome, arbor: Outcome) => void;
}

export const NEW_DIVERGENCES: readonly NewDivergence[] = [];
