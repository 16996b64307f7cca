// Locations of debug files are file paths or URLs. These helpers resolve one against another
// without `node:path` or `node:url`, so discovery runs unchanged in a browser: URLs through the
// global `URL`, paths by plain string handling (POSIX separators, and Windows drive or UNC
// paths with either separator).

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
const WINDOWS_DRIVE = /^[a-zA-Z]:[\\/]/;

/** An absolute URL (`https:`, `file:`, `data:` …), not a Windows path like `C:\x`. */
export function isUrl(location: string): boolean {
  return SCHEME.test(location) && !WINDOWS_DRIVE.test(location);
}

export function isAbsolutePath(location: string): boolean {
  return location.startsWith('/') || location.startsWith('\\\\') || WINDOWS_DRIVE.test(location);
}

/** http: or https: */
export function isRemote(location: string): boolean {
  return /^https?:/i.test(location);
}

/**
 * Resolves `reference` (a URL, an absolute path, or a path relative to a file's directory)
 * against `base`, the location of a file (a module, a debug file): what a browser does with a
 * relative URL in a page, and what tools do with a path relative to the file naming it.
 */
export function resolveLocation(base: string, reference: string): string {
  if (isUrl(reference)) return reference;
  if (isUrl(base)) return new URL(reference, base).href;
  if (isAbsolutePath(reference)) return reference;
  return joinPath(parentPath(base), reference);
}

/** `reference` inside directory `dir` (a path or a URL); an absolute reference stays as it is. */
export function inDirectory(dir: string, reference: string): string {
  if (isUrl(reference)) return reference;
  if (isAbsolutePath(reference)) return reference;
  if (isUrl(dir)) return new URL(reference, dir.endsWith('/') ? dir : dir + '/').href;
  return joinPath(dir, reference);
}

/** The directory of a file location (a path or a URL). */
export function directoryOf(location: string): string {
  if (isUrl(location)) return new URL('.', location).href;
  return parentPath(location);
}

/** The last segment of a path or URL (a URL's query and fragment dropped). */
export function baseName(location: string): string {
  let path = location;
  if (isUrl(location)) {
    try {
      path = decodeURIComponent(new URL(location).pathname);
    } catch {
      path = location.replace(/[?#].*$/, '');
    }
  }
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? '';
}

/** `name` without a final `.wasm`. */
export function stripWasmExtension(name: string): string {
  return name.endsWith('.wasm') ? name.slice(0, -5) : name;
}

function separatorOf(path: string): string {
  return path.includes('\\') && !path.includes('/') ? '\\' : '/';
}

function parentPath(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  if (cut < 0) return '.';
  if (cut === 0) return path.slice(0, 1);
  // Keep "C:\" and "C:/" whole.
  if (cut === 2 && WINDOWS_DRIVE.test(path)) return path.slice(0, 3);
  return path.slice(0, cut);
}

/** Joins a directory and a relative path, folding `.` and `..` segments. */
export function joinPath(dir: string, relative: string): string {
  const sep = separatorOf(dir);
  let root = '';
  let rest = dir;
  if (WINDOWS_DRIVE.test(dir)) {
    root = dir.slice(0, 3);
    rest = dir.slice(3);
  } else if (dir.startsWith('\\\\')) {
    root = '\\\\';
    rest = dir.slice(2);
  } else if (dir.startsWith('/')) {
    root = '/';
    rest = dir.slice(1);
  }
  const out: string[] = [];
  for (const part of [...rest.split(/[\\/]/), ...relative.split(/[\\/]/)]) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (root === '') out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = root + out.join(sep);
  return joined === '' ? '.' : joined;
}
