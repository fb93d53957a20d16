/**
 * An engine for the feature tests: answers calls from a table the test fills, delivers the events
 * the test emits. Answers and events go through the contract's own schemas, as on the real wire.
 */
import {
  engineEventSchema,
  methods,
  type EngineEvent,
  type Method,
  type Params,
  type Result,
} from '../../../../src-main/shared/contract';
import { StudioError } from '../../../../src-main/shared/errors';
import type { ConnectionState } from '../../socket-api';
import type { EngineFeed, EnginePort } from '../engine-port';

type Answers = { [M in Method]?: (params: Params<M>) => Result<M> | Promise<Result<M>> };

export class ScriptedEngine implements EnginePort, EngineFeed {
  readonly calls: { method: Method; params: unknown }[] = [];
  private readonly events = new Set<(event: EngineEvent) => void>();
  private readonly connections = new Set<(state: ConnectionState) => void>();

  constructor(public answers: Answers = {}) {}

  async call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>> {
    this.calls.push({ method, params });
    const answer = this.answers[method] as ((params: Params<M>) => Result<M> | Promise<Result<M>>) | undefined;
    if (!answer) throw new StudioError('INTERNAL', `The scripted engine has no answer for ${method}.`);
    return methods[method][1].parse(await answer(params)) as Result<M>;
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.events.add(listener);
    return () => this.events.delete(listener);
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    this.connections.add(listener);
    return () => this.connections.delete(listener);
  }

  emit(event: EngineEvent): void {
    const parsed = engineEventSchema.parse(event);
    for (const listener of this.events) listener(parsed);
  }

  connect(state: ConnectionState): void {
    for (const listener of this.connections) listener(state);
  }

  /** How often `method` was called. */
  count(method: Method): number {
    return this.calls.filter((call) => call.method === method).length;
  }
}

/** Lets every promise callback queued so far run (the features' follow-up calls). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}
