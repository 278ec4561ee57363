// A fresh schema and Session per minimal case of the model-based test, closed after each test:
// a failing case must not leave a transaction open, whose locks would block dropping the namespace.
import { afterEach } from "node:test";
import { Session, type Engine } from "../../../src/index.js";
import { md, registry } from "../../fixtures/orm-shop.js";

export function freshSessions(engineOf: () => Engine): () => Promise<Session> {
  const open: Session[] = [];
  afterEach(async () => {
    for (const x of open.splice(0)) await x.close();
  });
  return async () => {
    const engine = engineOf();
    await engine.withConnection(async (c) => {
      await md.dropAll(c);
      await md.createAll(c);
    });
    const s = new Session(engine, { registry });
    open.push(s);
    return s;
  };
}
