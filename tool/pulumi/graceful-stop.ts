/**
 * Stops a Pulumi operation the way `pulumi up` stops on Ctrl-C. The first request aborts the
 * `signal` handed to the Automation API's `up`/`preview`/`destroy`, and the SDK sends the CLI
 * SIGINT: Pulumi lets the resource operations under way finish, writes its state and exits. A
 * second request fires the signal's `abort` event again, so the SDK sends a second SIGINT, on
 * which Pulumi terminates at once. `Stack.cancel()` (`pulumi cancel`) is never used: it drops the
 * stack's lock under a running update, which Pulumi's documentation calls very dangerous.
 */
export class GracefulStop {
  private readonly controller = new AbortController();
  private count = 0;

  /** Hand this to the Automation API operation. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Whether a stop was asked for: the operation's failure, or its end, is then a cancellation. */
  get requested(): boolean {
    return this.count > 0;
  }

  /**
   * Records a stop request. `relay: false` when the CLI already got the same SIGINT: a terminal's
   * Ctrl-C reaches every process of its foreground group, the Pulumi CLI included, and Pulumi
   * terminates on a second SIGINT, so relaying it too would turn one Ctrl-C into a forced stop.
   */
  request(relay: boolean): 'graceful' | 'forced' {
    this.count += 1;
    const kind = this.count === 1 ? 'graceful' : 'forced';
    if (!relay) return kind;
    if (!this.controller.signal.aborted) this.controller.abort();
    else this.controller.signal.dispatchEvent(new Event('abort'));
    return kind;
  }
}
