// Migration files in a directory: `<number>_<words>.ts` (or .js/.mjs), applied in the order of
// their numbers. Each exports `up(op)` and `down(op)` and, optionally, `message`.
import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ArgumentError } from "../errors.js";
import type { MigrationOps } from "./recorder.js";

export interface MigrationFile {
  /** The file name without its extension: what the version table records. */
  readonly id: string;
  readonly number: number;
  readonly path: string;
}

export interface LoadedMigration extends MigrationFile {
  readonly message: string;
  up(op: MigrationOps): void | Promise<void>;
  down(op: MigrationOps): void | Promise<void>;
}

const FILE = /^(\d+)_([A-Za-z0-9_-]*)\.(ts|mts|js|mjs)$/;

/** The migration files of `dir`, in order; two files with one number are refused. */
export async function listMigrations(dir: string): Promise<MigrationFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const out: MigrationFile[] = [];
  for (const name of names.sort()) {
    const m = FILE.exec(name);
    if (!m || name.endsWith(".d.ts")) continue;
    out.push({ id: name.slice(0, name.lastIndexOf(".")), number: Number(m[1]), path: resolve(join(dir, name)) });
  }
  out.sort((a, b) => a.number - b.number || (a.id < b.id ? -1 : 1));
  for (let i = 1; i < out.length; i++)
    if (out[i].number === out[i - 1].number) throw new ArgumentError(`Migrations ${out[i - 1].id} and ${out[i].id} have the same number`);
  return out;
}

/** Imports a migration file and checks what it exports. */
export async function loadMigration(file: MigrationFile): Promise<LoadedMigration> {
  const mod = (await import(pathToFileURL(file.path).href)) as Record<string, unknown>;
  const up = mod.up;
  const down = mod.down;
  if (typeof up !== "function" || typeof down !== "function") throw new ArgumentError(`Migration ${file.id} must export functions up(op) and down(op)`);
  return {
    ...file,
    message: typeof mod.message === "string" ? mod.message : "",
    up: (op) => up(op) as void | Promise<void>,
    down: (op) => down(op) as void | Promise<void>,
  };
}

/** The file name for the next migration: the number after the highest, then the message's words. */
export function nextFileName(existing: readonly MigrationFile[], message: string): string {
  const n = existing.reduce((m, f) => Math.max(m, f.number), 0) + 1;
  const slug =
    message
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "")
      .slice(0, 40) || "migration";
  return `${String(n).padStart(4, "0")}_${slug}.ts`;
}
