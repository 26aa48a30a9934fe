import type { TesseraError } from './errors';

/**
 * Runs `fill` in one read-write IndexedDB transaction over `stores` and resolves when it has committed.
 * Committed at once (IDBTransaction.commit) rather than when the task ends: Chromium drops an uncommitted
 * transaction with the page, so a save made in pagehide would be lost. A full disk may refuse a put itself
 * (QuotaExceededError), not only the transaction: both end in `toError`.
 */
export function writeTransaction(db: IDBDatabase, stores: string[], fill: (tx: IDBTransaction) => void, toError: (e: unknown) => TesseraError): Promise<void> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(stores, 'readwrite');
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(toError(tx.error));
    tx.onabort = () => reject(toError(tx.error));
    try {
      fill(tx);
      tx.commit?.();
    } catch (e) {
      reject(toError(e));
      try {
        tx.abort();
      } catch {
        // already finished
      }
    }
  });
}
