// The register hook for Node: `node --import crosstrace/register app.mjs`,
// `node -r crosstrace/register app.js`, or `import 'crosstrace/register'` first thing.
// Installs on load with Node's platform (debug files from disk, CROSSTRACE_DEBUG_PATH) and the
// options in the environment (see src/format/node-platform.ts); `install(options)` from here
// changes them later. The browser entry is `install` from 'crosstrace'.

import { installWith, register, uninstall, installed, type InstallOptions, type InstallStatus, type RegisterOptions } from './format/install.js';
import { nodePlatform, optionsFromEnv } from './format/node-platform.js';

export const status: InstallStatus = installWith(optionsFromEnv(), nodePlatform);

/** Updates the hook's options (it is already installed), with Node's platform. */
export function install(options: InstallOptions = {}): InstallStatus {
  return installWith(options, nodePlatform);
}

export { register, uninstall, installed };
export type { InstallOptions, InstallStatus, RegisterOptions };
