// Prisma 7 reads its datasource URL from here (used only by `prisma generate`, which does not connect).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  datasource: { url: process.env.ARBOR_PEERS_PG_URL ?? "postgres://root@127.0.0.1:5432/arbor_peers" },
});
