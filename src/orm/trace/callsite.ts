// Which application line called into the session, read from the stack: the first frame outside
// Arbor's own sources (this package's src/ or dist/ directory) and outside Node's internals. The
// frame just before it names the Arbor method that was called.
import { fileURLToPath } from "node:url";

export interface CallSite {
  readonly file: string;
  readonly line: number;
  /** The Arbor function the application called, as the stack names it ("Session.commit"). */
  readonly callee?: string;
}

const FRAME = /^\s*at (?:(?:async )?(.+?) \()?(.+?):(\d+):(\d+)\)?$/;

/** The package's source root (src/ or dist/): this file lives two levels below it. */
export function packageRoot(): string {
  return fileURLToPath(new URL("../../", import.meta.url));
}

function toPath(file: string): string {
  return file.startsWith("file://") ? fileURLToPath(file) : file;
}

/** The application's frame in `stack` (an Error's stack), or undefined when none is outside Arbor. */
export function callSite(stack: string | undefined, root: string): CallSite | undefined {
  let callee: string | undefined;
  for (const text of (stack ?? "").split("\n").slice(1)) {
    const m = FRAME.exec(text);
    if (!m) continue;
    const file = toPath(m[2]);
    if (file.startsWith(root)) {
      // The trace's own wrappers are not what the application called.
      if (m[1] !== undefined && !file.startsWith(`${root}orm/trace/`)) callee = m[1].replace(/^Object\./, "");
      continue;
    }
    if (file.startsWith("node:") || file.includes("/node_modules/") || !file.startsWith("/")) continue;
    return { file, line: Number(m[3]), callee };
  }
  return undefined;
}
