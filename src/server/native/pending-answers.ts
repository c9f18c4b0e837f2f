import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';

/**
 * The requests awaiting their answers, each by the response (stream id) its POST opened: a POST's
 * response ends once every request it carried is answered, with all of their answers.
 */
export class PendingAnswers {
  private readonly streamOfRequest = new Map<RequestId, string>();
  private readonly answers = new Map<RequestId, JSONRPCMessage>();

  /** The requests awaiting their answer. */
  get size(): number {
    return this.streamOfRequest.size;
  }

  /** Expects the answers of `requestIds` on the response `streamId`. */
  expect(requestIds: readonly RequestId[], streamId: string): void {
    for (const id of requestIds) this.streamOfRequest.set(id, streamId);
  }

  /** Expects no more the answers of `requestIds`: their response could not be opened. */
  forget(requestIds: readonly RequestId[]): void {
    for (const id of requestIds) this.streamOfRequest.delete(id);
  }

  /** The response that awaits `requestId`'s answer. */
  streamOf(requestId: RequestId): string | undefined {
    return this.streamOfRequest.get(requestId);
  }

  /**
   * Records `requestId`'s answer, on the response `streamId`. When it was the last one that
   * response awaited, returns every answer of its POST, in the order of its requests, and
   * expects none of them any more; otherwise `undefined`.
   */
  complete(
    requestId: RequestId,
    streamId: string,
    answer: JSONRPCMessage,
  ): JSONRPCMessage[] | undefined {
    this.answers.set(requestId, answer);
    const related: RequestId[] = [];
    for (const [id, stream] of this.streamOfRequest) if (stream === streamId) related.push(id);
    if (!related.every((id) => this.answers.has(id))) return undefined;
    const answers = related.map((id) => this.answers.get(id)!);
    for (const id of related) {
      this.answers.delete(id);
      this.streamOfRequest.delete(id);
    }
    return answers;
  }

  /** Drops the answers recorded so far; when the transport closes. */
  dropAnswers(): void {
    this.answers.clear();
  }
}
