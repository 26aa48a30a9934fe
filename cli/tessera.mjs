#!/usr/bin/env node
// The `tessera` command: registers tsx so Node can load the TypeScript CLI, then runs it.
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('./main.ts', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
