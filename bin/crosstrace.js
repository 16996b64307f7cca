#!/usr/bin/env node
import { main } from '../dist/cli/crosstrace.mjs';

process.exitCode = await main(process.argv.slice(2));
