#!/usr/bin/env node
// `npx textgate …`: the operator CLI is TypeScript run through tsx (as `npm start` is); this plain
// launcher registers tsx's loader so it works on Node 20 without a build step.
import { register } from "tsx/esm/api";

register();
await import("../tools/cli/index.ts");
