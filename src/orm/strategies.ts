// Loader strategies by name, and the load plan of a query. A plan is a tree of relationships with
// a strategy each (loader-strategy.ts): built from the relationships' configured defaults, then
// each loader option's path. The built-in strategies (loaders.ts) are registered from the start;
// `registerStrategy` adds one and returns its loader option.
import { MappingError } from "./errors.js";
import type { LoadPlan, LoaderStrategy } from "./loader-strategy.js";
import { BUILT_IN } from "./loaders.js";
import type { Mapper } from "./mapper.js";
import { pathOption, type LoaderOption, type PathOption } from "./options.js";
import type { Relationship } from "./relationships.js";

export type { LoadPlan } from "./loader-strategy.js";

const STRATEGIES = new Map<string, LoaderStrategy>(BUILT_IN.map((s) => [s.name, s]));

/**
 * Adds a loader strategy under its name and returns the loader option that selects it:
 * `const immediateload = registerStrategy(new ImmediateStrategy()); query.options(immediateload(Customer, "orders"))`.
 * A name is taken once (the built-in ones included); registering the same object again is a no-op.
 */
export function registerStrategy(s: LoaderStrategy): PathOption {
  const found = STRATEGIES.get(s.name);
  if (found !== undefined && found !== s) throw new MappingError(`A loader strategy named ${JSON.stringify(s.name)} is registered already`);
  STRATEGIES.set(s.name, s);
  return pathOption(s.name);
}

export function strategy(name: string): LoaderStrategy {
  const s = STRATEGIES.get(name);
  if (!s) throw new MappingError(`No loader strategy named ${JSON.stringify(name)}`);
  return s;
}

const MAX_DEFAULT_DEPTH = 8;

/** Eager relationships by their configured defaults, not walking back along the path. */
function defaults(mapper: Mapper, path: readonly Relationship[]): LoadPlan[] {
  if (path.length >= MAX_DEFAULT_DEPTH) return [];
  const out: LoadPlan[] = [];
  for (const rel of mapper.relationships.values()) {
    const s = strategy(rel.defaultStrategy);
    if (!s.loads) continue;
    if (path.includes(rel) || (rel.back && path.includes(rel.back))) continue;
    // A self-referential default nests to its configured depth only.
    const sameRel = path.filter((r) => r === rel).length;
    if (rel.target === mapper && sameRel >= (rel.options.depth ?? 1)) continue;
    out.push({ rel, strategy: s, children: defaults(rel.target, [...path, rel]) });
  }
  return out;
}

/** The load plan for a query of `mapper`: defaults, then each option's path applied in order. */
export function buildPlan(mapper: Mapper, options: readonly LoaderOption[]): LoadPlan[] {
  const plan = defaults(mapper, []);
  for (const opt of options) {
    const s = strategy(opt.strategy);
    let level = plan;
    let m = mapper;
    opt.path.forEach((key, i) => {
      const rel = m.relationships.get(key);
      if (!rel) throw new MappingError(`${m.name}.${key} is not a relationship`);
      let node = level.find((n) => n.rel === rel);
      if (!node) {
        node = { rel, strategy: s, children: [] };
        level.push(node);
      }
      const last = i === opt.path.length - 1;
      // Eager options apply along the whole path; lazy/raise only where the path ends.
      if (last || s.loads) node.strategy = s;
      if (last && !s.loads) node.children.length = 0;
      level = node.children;
      m = rel.target;
    });
  }
  return prune(plan);
}

function prune(plan: LoadPlan[]): LoadPlan[] {
  return plan.filter((n) => {
    if (!n.strategy.loads) return false;
    n.children.splice(0, n.children.length, ...prune(n.children));
    return true;
  });
}
