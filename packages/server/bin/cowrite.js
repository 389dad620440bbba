#!/usr/bin/env node
// Checked-in launcher so `node_modules/.bin/cowrite` exists right after `pnpm install`;
// the CLI itself is compiled to ../dist by `pnpm build`.
import '../dist/cli.js'
