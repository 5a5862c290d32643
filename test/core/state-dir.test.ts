/**
 * Issue 14: state (manifests) in the platform's usual place — Linux unchanged (PIXIMMO_STATE_DIR, XDG),
 * macOS and Windows through env-paths. process.platform is stubbed per test (env-paths reads it per call).
 */
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultStateDir } from '../../src/core/transfer/state-dir.js';

const realPlatform = process.platform;
function onPlatform(p: NodeJS.Platform): void {
  Object.defineProperty(process, 'platform', { value: p, configurable: true });
}

describe('defaultStateDir', () => {
  afterEach(() => onPlatform(realPlatform));

  it('Linux: PIXIMMO_STATE_DIR, else XDG_STATE_HOME/piximmo, else ~/.local/state/piximmo (unchanged)', () => {
    onPlatform('linux');
    expect(defaultStateDir({ PIXIMMO_STATE_DIR: '/s', XDG_STATE_HOME: '/x', HOME: '/h' })).toBe('/s');
    expect(defaultStateDir({ XDG_STATE_HOME: '/x', HOME: '/h' })).toBe('/x/piximmo');
    expect(defaultStateDir({ HOME: '/h' })).toBe('/h/.local/state/piximmo');
  });

  it('macOS: ~/Library/Application Support/piximmo; the overrides still win', () => {
    onPlatform('darwin');
    expect(defaultStateDir({ HOME: '/h' })).toBe(path.join(os.homedir(), 'Library', 'Application Support', 'piximmo'));
    expect(defaultStateDir({ PIXIMMO_STATE_DIR: '/s' })).toBe('/s');
    expect(defaultStateDir({ XDG_STATE_HOME: '/x' })).toBe('/x/piximmo');
  });

  it('Windows: %LOCALAPPDATA%\\piximmo\\Data', () => {
    onPlatform('win32');
    const local = process.env.LOCALAPPDATA || path.join(os.homedir(), 'AppData', 'Local');
    expect(defaultStateDir({})).toBe(path.join(local, 'piximmo', 'Data'));
  });
});
