// Loader strategies by name. A query's load plan is a tree of relationships with a strategy each:
// "nested" and "joined" add to the query's own statement (eager.ts composes them), "selectin" runs
// one follow-up query per level, "lazy" and "raise" load nothing. The set is closed: composing and
// materializing are written per strategy in eager.ts, so a strategy cannot be added from outside
// (there is no registerStrategy); a new one is added here and in eager.ts.
import { MappingError } from "./errors.js";
import type { Mapper } from "./mapper.js";
import type { LoaderOption } from "./options.js";
import type { LoaderStrategyName, Relationship } from "./relationships.js";

export interface LoadPlan {
  readonly rel: Relationship;
  strategy: LoaderStrategyName;
  readonly children: LoadPlan[];
}

export interface LoaderStrategy {
  readonly name: LoaderStrategyName;
  /** Loads as part of the query's own statement. */
  readonly inStatement: boolean;
  /** Loads after the statement, for the parents it produced. */
  readonly afterStatement: boolean;
}

const STRATEGIES: Readonly<Record<LoaderStrategyName, LoaderStrategy>> = Object.freeze({
  nested: { name: "nested", inStatement: true, afterStatement: false },
  joined: { name: "joined", inStatement: true, afterStatement: false },
  selectin: { name: "selectin", inStatement: false, afterStatement: true },
  lazy: { name: "lazy", inStatement: false, afterStatement: false },
  raise: { name: "raise", inStatement: false, afterStatement: false },
});

export function strategy(name: LoaderStrategyName): LoaderStrategy {
  const s = Object.hasOwn(STRATEGIES, name) ? STRATEGIES[name] : undefined;
  if (!s) throw new MappingError(`No loader strategy named ${JSON.stringify(name)}`);
  return s;
}

const MAX_DEFAULT_DEPTH = 8;

/** Eager relationships by their configured defaults, not walking back along the path. */
function defaults(mapper: Mapper, path: readonly Relationship[]): LoadPlan[] {
  if (path.length >= MAX_DEFAULT_DEPTH) return [];
  const out: LoadPlan[] = [];
  for (const rel of mapper.relationships.values()) {
    const name = rel.defaultStrategy;
    if (name === "lazy" || name === "raise") continue;
    if (path.includes(rel) || (rel.back && path.includes(rel.back))) continue;
    // A self-referential default nests to its configured depth only.
    const sameRel = path.filter((r) => r === rel).length;
    if (rel.target === mapper && sameRel >= (rel.options.depth ?? 1)) continue;
    out.push({ rel, strategy: name, children: defaults(rel.target, [...path, rel]) });
  }
  return out;
}

/** The load plan for a query of `mapper`: defaults, then each option's path applied in order. */
export function buildPlan(mapper: Mapper, options: readonly LoaderOption[]): LoadPlan[] {
  const plan = defaults(mapper, []);
  for (const opt of options) {
    let level = plan;
    let m = mapper;
    opt.path.forEach((key, i) => {
      const rel = m.relationships.get(key);
      if (!rel) throw new MappingError(`${m.name}.${key} is not a relationship`);
      let node = level.find((n) => n.rel === rel);
      if (!node) {
        node = { rel, strategy: opt.strategy, children: [] };
        level.push(node);
      }
      const last = i === opt.path.length - 1;
      // Eager options apply along the whole path; lazy/raise only where the path ends.
      if (last || strategy(opt.strategy).inStatement || strategy(opt.strategy).afterStatement) node.strategy = opt.strategy;
      if (last && !strategy(opt.strategy).inStatement && !strategy(opt.strategy).afterStatement) node.children.length = 0;
      level = node.children;
      m = rel.target;
    });
  }
  return prune(plan);
}

function prune(plan: LoadPlan[]): LoadPlan[] {
  return plan.filter((n) => {
    const s = strategy(n.strategy);
    if (!s.inStatement && !s.afterStatement) return false;
    n.children.splice(0, n.children.length, ...prune(n.children));
    return true;
  });
}
