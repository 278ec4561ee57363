// Sessions opened by a test file's tests, closed after each test whatever its outcome: a failed
// test must not leave SQLite's one connection held by a session.
import { test as baseTest } from "node:test";
import { Session, type Engine, type Registry } from "../../src/index.js";

/** `engine` is read when a session is opened: the suite's engine exists only once its tests run. */
export function sessionScope(engine: () => Engine, registry: Registry) {
  const sessions: Session[] = [];
  const session = (): Session => {
    const s = new Session(engine(), { registry });
    sessions.push(s);
    return s;
  };
  const closeAll = async (): Promise<void> => {
    for (const s of sessions.splice(0)) await s.close();
  };
  const test = (name: string, fn: () => Promise<void>): void => {
    baseTest(name, async () => {
      try {
        await fn();
      } finally {
        await closeAll();
      }
    });
  };
  return { session, closeAll, test };
}
