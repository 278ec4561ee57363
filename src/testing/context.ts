// What every area of the compliance suite shares: the options it was given and the engine under
// test, which exists once the suite's `before` hook has run.
import { createEngine, type Engine, type Statement } from "../index.js";

/** The parts of the suite, each skippable with a reason (`ComplianceOptions.skip`). */
export type ComplianceArea = "schema" | "types" | "nodeKinds" | "transactions" | "isolation" | "streaming" | "errors" | "cancel" | "connect";

/** An engine, or an engine URL for `createEngine`, possibly after some setup. */
export type EngineSource = Engine | string | Promise<Engine | string>;

export interface ComplianceOptions {
  /** Names the suite in the test report (`dialect compliance [name]`). */
  readonly name: string;
  /**
   * The engine under test, made once before the suite's tests (and disposed after them). Give it
   * two connections or more where the driver can: the isolation tests need two sessions.
   */
  readonly connect: () => EngineSource;
  /**
   * An engine whose connections fail (a closed port, a closed embedded database): checks that
   * connecting fails with ConnectionError. Called by the suite's last test, after every other has
   * used the engine under test, so it may close that engine's embedded database. Without it the
   * check is skipped.
   */
  readonly unreachable?: () => EngineSource;
  /**
   * Prefix of the tables the suite creates and drops (default `arbor_cp_`), so runs can share a
   * database. Letters, digits and `_`.
   */
  readonly prefix?: string;
  /**
   * A statement that runs long enough to be cancelled (default: a count over a billion-row product
   * of a recursive CTE); the timeout and signal tests cancel it after 100 ms.
   */
  readonly slowStatement?: () => Statement<unknown>;
  /** Areas the driver lacks, each with the reason shown as the skipped tests' message. */
  readonly skip?: Partial<Readonly<Record<ComplianceArea, string>>>;
}

export interface Suite {
  readonly options: ComplianceOptions;
  readonly prefix: string;
  /** The engine under test (inside tests and hooks only). */
  readonly engine: Engine;
  /** The skip reason of an area, or undefined when it runs. */
  skipped(area: ComplianceArea): string | undefined;
}

/** Turns what `connect` gave into an engine. */
export async function engineFrom(source: EngineSource): Promise<Engine> {
  const got = await source;
  return typeof got === "string" ? createEngine(got) : got;
}

export function makeSuite(options: ComplianceOptions): Suite & { open(): Promise<void>; close(): Promise<void> } {
  const prefix = options.prefix ?? "arbor_cp_";
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix)) throw new Error(`The compliance suite's table prefix ${JSON.stringify(prefix)} must be letters, digits and _`);
  let engine: Engine | undefined;
  return {
    options,
    prefix,
    get engine(): Engine {
      if (engine === undefined) throw new Error("The compliance suite's engine exists inside its tests and hooks only");
      return engine;
    },
    skipped: (area) => options.skip?.[area],
    async open() {
      engine = await engineFrom(options.connect());
    },
    async close() {
      await engine?.dispose();
      engine = undefined;
    },
  };
}
