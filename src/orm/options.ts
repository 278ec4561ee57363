// Loader options: which relationships a query loads and how, as typed paths from the queried class.
// `nestedload(Customer, "orders", "items")` — a wrong key fails to compile.
import type { AnyClass, LoaderStrategyName } from "./relationships.js";

type Scalar = Date | Uint8Array | string | number | bigint | boolean;
/** Keys of `I` whose values are entities or arrays of entities (not methods, not scalars). */
export type RelKeys<I> = {
  [K in keyof I]-?: NonNullable<I[K]> extends (...args: never[]) => unknown
    ? never
    : NonNullable<I[K]> extends readonly (infer E)[]
      ? E extends Scalar
        ? never
        : E extends object
          ? K
          : never
      : NonNullable<I[K]> extends Scalar
        ? never
        : NonNullable<I[K]> extends object
          ? K
          : never;
}[keyof I] &
  string;
/** The entity type a relationship key leads to. */
export type Target<I, K> = K extends keyof I ? (NonNullable<I[K]> extends readonly (infer E)[] ? E : NonNullable<I[K]>) : never;

export interface LoaderOption {
  readonly cls: AnyClass;
  readonly path: readonly string[];
  /** The name of a built-in or registered strategy (`registerStrategy`). */
  readonly strategy: LoaderStrategyName | (string & {});
}

export interface PathOption {
  <C extends AnyClass, K1 extends RelKeys<InstanceType<C>>>(cls: C, k1: K1): LoaderOption;
  <C extends AnyClass, K1 extends RelKeys<InstanceType<C>>, K2 extends RelKeys<Target<InstanceType<C>, K1>>>(cls: C, k1: K1, k2: K2): LoaderOption;
  <
    C extends AnyClass,
    K1 extends RelKeys<InstanceType<C>>,
    K2 extends RelKeys<Target<InstanceType<C>, K1>>,
    K3 extends RelKeys<Target<Target<InstanceType<C>, K1>, K2>>,
  >(
    cls: C,
    k1: K1,
    k2: K2,
    k3: K3,
  ): LoaderOption;
  <
    C extends AnyClass,
    K1 extends RelKeys<InstanceType<C>>,
    K2 extends RelKeys<Target<InstanceType<C>, K1>>,
    K3 extends RelKeys<Target<Target<InstanceType<C>, K1>, K2>>,
    K4 extends RelKeys<Target<Target<Target<InstanceType<C>, K1>, K2>, K3>>,
  >(
    cls: C,
    k1: K1,
    k2: K2,
    k3: K3,
    k4: K4,
  ): LoaderOption;
}

/** The loader option of the strategy named `strategy`. */
export const pathOption =
  (strategy: string): PathOption =>
  (cls: AnyClass, ...path: string[]): LoaderOption => ({ cls, path, strategy });
const option = (strategy: LoaderStrategyName): PathOption => pathOption(strategy);

/** The whole path in the query's own statement, as nested results (one statement at any depth). */
export const nestedload: PathOption = option("nested");
/** LEFT OUTER JOIN, rows deduplicated into collections. */
export const joinedload: PathOption = option("joined");
/** One follow-up query per level with the parent keys in batches. */
export const selectinload: PathOption = option("selectin");
/** Not loaded by the query; load explicitly with `session.load()`. */
export const lazyload: PathOption = option("lazy");
/** Not loaded; touching it raises. */
export const raiseload: PathOption = option("raise");
