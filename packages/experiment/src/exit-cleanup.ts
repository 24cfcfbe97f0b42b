/**
 * Clean-ups for a process that exits mid-way (process.exit: the CLI's second Ctrl-C leaves at
 * once, without the finally blocks that remove `.tmp` files and `run.lock`). Each is run by one
 * process "exit" listener, synchronously, if still registered then.
 */
const pending = new Set<() => void>();
let listening = false;

/** Registers `cleanup` for an exit; returns its removal (call it once the work is done or undone). */
export function onExit(cleanup: () => void): () => void {
  if (!listening) {
    listening = true;
    process.on("exit", () => {
      for (const c of pending) {
        try {
          c();
        } catch {
          // Leaving anyway: the other clean-ups still run.
        }
      }
    });
  }
  const own = () => cleanup();
  pending.add(own);
  return () => {
    pending.delete(own);
  };
}
