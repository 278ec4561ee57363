// The Chinook sample database scripts (../shared/data/chinook/), one per engine, as statements.
import { readFileSync } from "node:fs";
import type { EngineName } from "./engines.js";

const CHINOOK: Record<EngineName, string> = {
  sqlite: "Chinook_Sqlite.sql",
  postgres: "Chinook_PostgreSql.sql",
  mariadb: "Chinook_MySql.sql",
};

/** The script's statements, without its comments and without the lines that switch database. */
export function chinookStatements(engine: EngineName): string[] {
  const text = readFileSync(new URL(`../../../shared/data/chinook/${CHINOOK[engine]}`, import.meta.url), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .split("\n")
    .filter((l) => !/^\s*(DROP DATABASE|CREATE DATABASE|USE |\\c )/i.test(l))
    .join("\n");
  return text
    .split(/;\s*\n/)
    .map((s) => s.trim().replace(/;$/, ""))
    .filter((s) => s.length > 0);
}
