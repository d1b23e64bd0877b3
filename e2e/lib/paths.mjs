// Where the e2e suite keeps things, resolved from this file so that the
// suite works whatever the current directory is.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = resolve(E2E_DIR, '..');
export const ARTIFACTS_DIR = resolve(E2E_DIR, 'artifacts');
export const SCREENSHOTS_DIR = resolve(ARTIFACTS_DIR, 'screenshots');
