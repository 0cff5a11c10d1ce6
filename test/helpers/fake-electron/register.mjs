// Loaded with `node --import`: makes `import ... from 'electron'` in the built main process resolve to
// the recording fake beside this file, so the real dist/ code runs without an Electron binary.
import { register } from 'node:module';

register(new URL('./hooks.mjs', import.meta.url));
