// Markdown chapters as programs: ```ts blocks run in order; a ```text block right after one is
// what that block prints. A block whose fence says `ts skip` is shown but not run; one whose fence
// says `ts file=name.ts` is a module of its own, which the blocks import as "./name.js".

export interface Block {
  readonly code: string;
  /** The line of the opening fence in the chapter (1-based). */
  readonly line: number;
  readonly expected?: string;
}

export interface Chapter {
  readonly blocks: readonly Block[];
  /** Modules the chapter defines: file name → code. */
  readonly files: ReadonlyMap<string, string>;
}

const FENCE = /^```([\w-]*)[ \t]*([^\n]*)\n([\s\S]*?)^```[ \t]*$/gm;
const MARK = "\u0001arbor-doctest-block-end\u0001";

export function parseChapter(markdown: string): Chapter {
  const blocks: { code: string; line: number; expected?: string; end: number }[] = [];
  const files = new Map<string, string>();
  for (const m of markdown.matchAll(FENCE)) {
    const [whole, lang, info, body] = m;
    const start = m.index;
    const line = markdown.slice(0, start).split("\n").length;
    const file = /\bfile=([\w.-]+\.ts)\b/.exec(info!)?.[1];
    if (file) files.set(file, body!);
    else if ((lang === "ts" || lang === "typescript") && !/\bskip\b/.test(info!)) {
      blocks.push({ code: body!, line, end: start + whole.length });
    } else if (lang === "text" && blocks.length) {
      const last = blocks[blocks.length - 1]!;
      // Only a text block that directly follows the code block is its output.
      if (markdown.slice(last.end, start).trim() === "" && last.expected === undefined) last.expected = normalise(body!);
    }
  }
  return { blocks: blocks.map(({ end: _end, ...b }) => b), files };
}

/** A chapter's code with "arbor-sql" resolved to `entry`. */
export function resolveImports(code: string, entry: string): string {
  return code.replace(/(from\s+)"arbor-sql"/g, `$1${JSON.stringify(entry)}`);
}

/** One module: the blocks in order, "arbor-sql" resolved to `entry`, a marker after each block. */
export function chapterModule(chapter: Chapter, entry: string, source: string): string {
  const parts = [`// Generated from ${source}: edit that file, not this one.`];
  for (const b of chapter.blocks) {
    parts.push(resolveImports(b.code, entry));
    parts.push(`process.stdout.write(${JSON.stringify(MARK + "\n")});`);
  }
  parts.push("export {};");
  return parts.join("\n");
}

/** The output of each block that finished, in order. */
export function splitOutput(stdout: string): string[] {
  const pieces = stdout.split(MARK + "\n");
  pieces.pop(); // after the last marker: a block that did not finish, or nothing
  return pieces.map(normalise);
}

function normalise(text: string): string {
  return text
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n")
    .trim();
}
