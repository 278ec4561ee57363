// A random schema evolution (issue 15): 20 random steps (tables, columns, types, nullability,
// defaults, enum values, indexes, unique keys, check conditions, primary keys, foreign keys added,
// changed and dropped), each turned into a
// migration by generate and applied by up; after each, generate finds no changes. The migrated
// schema must reflect as createAll of the final MetaData does in an empty namespace, and reverting
// every migration then applying them again must give it back. fast-check, seed printed.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  MetaData,
  bigint,
  boolean,
  check,
  enumOf,
  primaryKey,
  createEngine,
  date,
  describeSchema,
  double,
  index,
  integer,
  migrate,
  numeric,
  reflect,
  text,
  unique,
  varchar,
  type Engine,
  type SchemaDescription,
} from "../../src/index.js";
import { normalizeDefault } from "../../src/migrate/diff.js";
import { compareConditions } from "../../src/schema/reflect/condition.js";
import type { AnyColumnBuilder } from "../../src/schema/column.js";
import { dropNamespace, forEachEngine, namespaceFor, prepareNamespace } from "../support/engines.js";

type ColType = "integer" | "bigint" | "varchar20" | "varchar40" | "text" | "boolean" | "double" | "numeric" | "date" | "enum";
interface Col {
  name: string;
  type: ColType;
  nullable: boolean;
  default?: number | string;
  /** An enum's values. */
  values?: string[];
}
interface Tbl {
  name: string;
  cols: Col[];
  indexes: { name: string; cols: string[] }[];
  uniques: string[][];
  fks: { col: string; ref: string }[];
  /** CHECK (col >= min). */
  checks: { name: string; col: string; min: number }[];
  /** A second primary key column: the key is (id, pk2). No foreign key references such a table. */
  pk2?: string;
}

/** Type changes every engine can make on an empty column (PostgreSQL casts, MariaDB MODIFY, SQLite rebuilds). */
const RETYPE: Record<ColType, ColType[]> = {
  integer: ["bigint", "double", "numeric"],
  bigint: ["integer"],
  varchar20: ["varchar40", "text"],
  varchar40: ["varchar20", "text"],
  text: ["varchar40", "enum"],
  boolean: [],
  double: [],
  numeric: ["double"],
  date: [],
  enum: ["text"],
};
const TYPES: ColType[] = ["integer", "bigint", "varchar20", "varchar40", "text", "boolean", "double", "numeric", "date", "enum"];
const NUMERIC: ColType[] = ["integer", "bigint", "double", "numeric"];

function builder(c: Col): AnyColumnBuilder {
  const base: Record<ColType, () => AnyColumnBuilder> = {
    integer: () => integer(),
    bigint: () => bigint(),
    varchar20: () => varchar(20),
    varchar40: () => varchar(40),
    text: () => text(),
    boolean: () => boolean(),
    double: () => double(),
    numeric: () => numeric(10, 2),
    date: () => date(),
    enum: () => enumOf(c.values ?? ["e0"]),
  };
  let b = base[c.type]();
  if (!c.nullable) b = b.notNull();
  if (c.default !== undefined) b = b.serverDefault(c.type === "bigint" ? BigInt(c.default) : c.type === "numeric" ? String(c.default) : c.default);
  return b;
}

function metadataOf(tables: readonly Tbl[]): MetaData {
  const md = new MetaData();
  for (const t of tables) {
    const cols: Record<string, AnyColumnBuilder> = { id: t.pk2 ? integer().notNull() : integer().primaryKey() };
    for (const c of t.cols) {
      let b = builder(c);
      const fk = t.fks.find((f) => f.col === c.name);
      if (fk) b = b.references(() => md.get(fk.ref).column("id"));
      cols[c.name] = b;
    }
    md.table(t.name, cols, (c) => [
      ...t.indexes.map((i) =>
        index(
          i.cols.map((n) => c[n]),
          { name: i.name },
        ),
      ),
      ...t.uniques.map((u) => unique(u.map((n) => c[n]))),
      ...t.checks.map((k) => check(k.name, c[k.col].ge(k.min))),
      ...(t.pk2 ? [primaryKey(c.id, c[t.pk2])] : []),
    ]);
  }
  return md;
}

type Step = { kind: number; a: number; b: number; c: number };

/** Applies one random step to the model; returns what it did, for the failure report. */
function step(tables: Tbl[], s: Step, n: number): string {
  const pick = <T>(xs: readonly T[], i: number): T | undefined => (xs.length ? xs[i % xs.length] : undefined);
  const t = pick(tables, s.a);
  const keyed = (tb: Tbl, col: string): boolean =>
    tb.indexes.some((i) => i.cols.includes(col)) || tb.uniques.some((u) => u.includes(col)) || tb.fks.some((f) => f.col === col) || tb.pk2 === col;
  switch (s.kind % 12) {
    case 0: {
      const name = `ev_t${n}`;
      const type = pick(TYPES, s.b)!;
      tables.push({
        name,
        cols: [{ name: `c${n}`, type, nullable: true, ...(type === "enum" ? { values: ["e0", "e1"] } : {}) }],
        indexes: [],
        uniques: [],
        fks: [],
        checks: [],
      });
      return `create ${name}`;
    }
    case 1: {
      if (!t || tables.length < 2) return "nothing";
      tables.splice(tables.indexOf(t), 1);
      for (const o of tables) o.fks = o.fks.filter((f) => f.ref !== t.name);
      return `drop ${t.name}`;
    }
    case 2: {
      if (!t) return "nothing";
      const type = pick(TYPES, s.b)!;
      const col: Col = { name: `c${n}`, type, nullable: s.c % 3 !== 0, ...(type === "enum" ? { values: ["e0", `e${n}`] } : {}) };
      if (s.c % 2 === 0)
        col.default =
          type === "integer" || type === "bigint" || type === "double" || type === "numeric"
            ? s.c % 7
            : type.startsWith("varchar") || type === "text"
              ? `d${s.c % 5}`
              : type === "enum"
                ? "e0"
                : undefined;
      if (col.default === undefined) delete col.default;
      t.cols.push(col);
      return `add ${t.name}.${col.name} ${JSON.stringify(col)}`;
    }
    case 3: {
      const c = t && pick(t.cols, s.b);
      if (!t || !c || t.cols.length < 2) return "nothing";
      t.cols = t.cols.filter((x) => x !== c);
      t.indexes = t.indexes.filter((i) => !i.cols.includes(c.name));
      t.uniques = t.uniques.filter((u) => !u.includes(c.name));
      t.fks = t.fks.filter((f) => f.col !== c.name);
      t.checks = t.checks.filter((k) => k.col !== c.name);
      if (t.pk2 === c.name) delete t.pk2;
      return `drop ${t.name}.${c.name}`;
    }
    case 4: {
      const c = t && pick(t.cols, s.b);
      if (!t || !c) return "nothing";
      const to = pick(RETYPE[c.type], s.c);
      // A foreign key's column keeps the type of the key it references; a keyed column stays bounded.
      if (!to || t.fks.some((f) => f.col === c.name) || (keyed(t, c.name) && to === "text")) return "nothing";
      c.type = to;
      if (to === "enum") c.values = ["e0", `e${n}`];
      else delete c.values;
      if (c.default !== undefined && (to === "text" || to.startsWith("varchar")) !== (typeof c.default === "string")) delete c.default;
      if (to === "enum") delete c.default;
      return `retype ${t.name}.${c.name} → ${to}`;
    }
    case 5: {
      const c = t && pick(t.cols, s.b);
      if (!t || !c) return "nothing";
      if (c.type === "enum" && s.c % 4 === 1) {
        // An enum's values change: one added, or the last one removed (the default stays one of them).
        const values = c.values ?? ["e0"];
        c.values = values.length > 1 && s.c % 8 === 1 ? values.slice(0, -1) : [...values, `e${n}`];
        if (c.default !== undefined && !c.values.includes(String(c.default))) delete c.default;
      } else if (s.c % 2 === 0) c.nullable = !c.nullable;
      else if (c.default !== undefined) delete c.default;
      else if (c.type === "integer" || c.type === "bigint" || c.type === "double") c.default = s.c % 9;
      else if (c.type === "varchar20" || c.type === "varchar40" || c.type === "text") c.default = `v${s.c % 9}`;
      return `alter ${t.name}.${c.name} ${JSON.stringify(c)}`;
    }
    case 6: {
      const c = t && pick(t.cols, s.b);
      if (!t || !c || c.type === "text" || t.indexes.some((i) => i.cols[0] === c.name)) return "nothing";
      const second = pick(t.cols, s.c);
      const cols = second && second !== c && second.type !== "text" && s.c % 2 === 0 ? [c.name, second.name] : [c.name];
      t.indexes.push({ name: `ix_ev_${n}`, cols });
      return `index ${t.name} (${cols.join(", ")})`;
    }
    case 7: {
      const i = t && pick(t.indexes, s.b);
      if (!t || !i) return "nothing";
      t.indexes = t.indexes.filter((x) => x !== i);
      return `drop index ${i.name}`;
    }
    case 8: {
      const c = t && pick(t.cols, s.b);
      if (!t || !c || c.type === "text") return "nothing";
      const existing = t.uniques.find((u) => u.length === 1 && u[0] === c.name);
      if (existing) t.uniques = t.uniques.filter((u) => u !== existing);
      else t.uniques.push([c.name]);
      return `${existing ? "drop" : "add"} unique ${t.name} (${c.name})`;
    }
    case 11: {
      // The primary key widens to (id, column) or narrows back to (id), on a table no foreign key references.
      if (!t || tables.some((o) => o.fks.some((f) => f.ref === t.name))) return "nothing";
      if (t.pk2) {
        delete t.pk2;
        return `primary key ${t.name} (id)`;
      }
      const c = pick(
        t.cols.filter((x) => ["integer", "bigint", "varchar20", "varchar40"].includes(x.type) && !t.fks.some((f) => f.col === x.name)),
        s.b,
      );
      if (!c) return "nothing";
      t.pk2 = c.name;
      return `primary key ${t.name} (id, ${c.name})`;
    }
    case 10: {
      // A check on a numeric column: added, its condition changed under the same name, or dropped.
      const c =
        t &&
        pick(
          t.cols.filter((x) => NUMERIC.includes(x.type)),
          s.b,
        );
      if (!t || !c) return "nothing";
      const existing = t.checks.find((k) => k.col === c.name);
      if (existing && s.c % 2 === 0) {
        t.checks = t.checks.filter((k) => k !== existing);
        return `drop check ${existing.name}`;
      }
      if (existing) existing.min = existing.min === s.c % 5 ? existing.min + 1 : s.c % 5;
      else t.checks.push({ name: `ck_ev_${n}`, col: c.name, min: s.c % 5 });
      return `check ${t.name} (${c.name} >= ${(existing ?? t.checks[t.checks.length - 1]).min})`;
    }
    default: {
      if (!t) return "nothing";
      const existing = pick(t.fks, s.b);
      if (existing && s.c % 2 === 0) {
        t.fks = t.fks.filter((f) => f !== existing);
        return `drop fk ${t.name}.${existing.col}`;
      }
      const ref = pick(tables, s.c)!;
      if (ref.pk2) return "nothing";
      const col: Col = { name: `c${n}`, type: "integer", nullable: true };
      t.cols.push(col);
      t.fks.push({ col: col.name, ref: ref.name });
      return `add fk ${t.name}.${col.name} → ${ref.name}`;
    }
  }
}

function normalized(d: SchemaDescription): SchemaDescription {
  return {
    tables: d.tables
      .filter((t) => t.name !== "arbor_migrations")
      .map((t) => ({
        ...t,
        columns: t.columns.map((c) => ({ ...c, default: c.default === null ? null : normalizeDefault(c.default) })),
      })),
  };
}

/**
 * Check conditions compared as autogenerate compares them, then left out of a deep comparison: a
 * check keeps the literal it was written with when its column is retyped later ('0' for a numeric
 * column, kept when the column becomes double), where createAll writes 0.
 */
function sameChecks(a: SchemaDescription, b: SchemaDescription, why: string): [SchemaDescription, SchemaDescription] {
  for (const t of a.tables)
    for (const c of t.checks) {
      const d = b.tables.find((x) => x.name === t.name)?.checks.find((x) => x.name === c.name);
      if (d) assert.equal(compareConditions(c.condition, d.condition), "equal", `${why}: check ${c.name}: ${c.condition} / ${d.condition}`);
    }
  const blank = (d: SchemaDescription): SchemaDescription => ({
    tables: d.tables.map((t) => ({ ...t, checks: t.checks.map((c) => ({ name: c.name, condition: "" })) })),
  });
  return [blank(a), blank(b)];
}

async function reflected(engine: Engine): Promise<SchemaDescription> {
  return normalized(describeSchema(await reflect(engine), engine.dialect));
}

forEachEngine(import.meta.url, (ctx) => {
  test("issue 15: a 20-step random schema evolution through generated migrations equals createAll of the final schema", { timeout: 600_000 }, async () => {
    // A fixed seed in the suite, so a run fails only on a change; MIGRATE_SEED=random (or a number) explores.
    // (Seeds 20261205 and 1151974902 once failed on MariaDB: a down migration dropped a unique index
    // a foreign key relied on; render-sql.ts now drops and re-adds such keys around it. Seed
    // 1156480480 found a check on a numeric column changed at every generate on MariaDB: Arbor
    // writes the decimal '0', MariaDB gives back 0; condition.ts reads both as the number. Seeds
    // 1158653003 (PostgreSQL) and 1158657938 (MariaDB) retyped a numeric column under such a check
    // to double: the check keeps '0' where createAll writes 0, so conditions compare as generate does.)
    const given = process.env.MIGRATE_SEED;
    const seed = given === undefined ? 20261205 : given === "random" ? Date.now() % 2 ** 31 : Number(given);
    console.log(`evolution seed (${ctx.name}): ${seed} (MIGRATE_SEED=${seed} replays it)`);
    const stepArb = fc.record({ kind: fc.nat(99), a: fc.nat(99), b: fc.nat(99), c: fc.nat(99) });
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 20, maxLength: 20 }), async (steps) => {
        const dir = mkdtempSync(join(tmpdir(), "arbor-evolve-"));
        const m = migrate(ctx.engine, { dir });
        const tables: Tbl[] = [];
        const log: string[] = [];
        try {
          for (const [i, s] of steps.entries()) {
            log.push(step(tables, s, i));
            const g = await m.generate(metadataOf(tables), `step ${i}`);
            await m.up();
            const again = await m.generate(metadataOf(tables), "again", { dryRun: true });
            assert.equal(again.up.length, 0, `after ${log.join("; ")}:\n${g.source}\nstill differs:\n${again.source}`);
          }
          const migrated = await reflected(ctx.engine);
          // createAll of the final MetaData, in an empty namespace.
          const ns = `${namespaceFor(new URL(import.meta.url).pathname)}_fresh`.slice(0, 60);
          const fresh = createEngine(await prepareNamespace(ctx.name, ns));
          try {
            await metadataOf(tables).createAll(fresh);
            const [x, y] = sameChecks(migrated, await reflected(fresh), log.join("; "));
            assert.deepEqual(x, y, log.join("; "));
          } finally {
            await fresh.dispose();
            await dropNamespace(ctx.name, ns);
          }
          await m.down("base");
          assert.deepEqual((await reflected(ctx.engine)).tables, [], "every migration reverted");
          await m.up();
          assert.deepEqual(await reflected(ctx.engine), migrated, "applied again");
          await m.down("base");
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 1, seed, endOnFailure: true },
    );
  });
});
