/** Feature: what the person should read about a failure. Every other feature reports through this API. */
export class NoticesFeature {
  /** The latest failure, as the one sentence to show; null when there is nothing to say. */
  error = $state<string | null>(null);

  fail(message: string): void {
    this.error = message;
  }

  dismiss(): void {
    this.error = null;
  }
}
