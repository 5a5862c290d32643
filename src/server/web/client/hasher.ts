/**
 * Main-thread side of the hashing worker (hash-worker.ts): `hash(file)` → SHA-256 lower-case hex.
 * One worker, created on first use; requests are answered by id (several may be in flight).
 * Rejects with Error when the file cannot be read.
 */
export interface Hasher {
  hash(file: File, onProgress?: (bytes: number) => void): Promise<string>;
}

interface Pending {
  resolve(hex: string): void;
  reject(e: Error): void;
  onProgress?: (bytes: number) => void;
}

export function createHasher(workerUrl: string): Hasher {
  let worker: Worker | null = null;
  let next = 1;
  const pending = new Map<number, Pending>();
  const start = (): Worker => {
    const w = new Worker(workerUrl);
    w.onmessage = (e: MessageEvent<{ id: number; hex?: string; error?: string; progress?: number }>) => {
      const p = pending.get(e.data.id);
      if (!p) return;
      if (e.data.progress !== undefined) return p.onProgress?.(e.data.progress);
      pending.delete(e.data.id);
      if (e.data.hex) p.resolve(e.data.hex);
      else p.reject(new Error(e.data.error ?? 'hash failed'));
    };
    // The worker failed to load or crashed: every open request fails (the items show „fehlgeschlagen").
    w.onerror = (e) => {
      for (const p of pending.values()) p.reject(new Error(e.message || 'hash worker failed'));
      pending.clear();
      worker = null;
    };
    return w;
  };
  return {
    hash(file, onProgress) {
      worker ??= start();
      const id = next++;
      const w = worker;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, onProgress });
        w.postMessage({ id, file });
      });
    },
  };
}
