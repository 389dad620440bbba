/**
 * WebSocket close codes the server uses, per the contract. The stock y-websocket client stops
 * reconnecting on 4400-4499 and backs off and retries on every other code.
 */
export const CloseCode = {
  /** The server is shutting down. */
  shutdown: 1001,
  /** A frame could not be decoded as a y-websocket message. */
  undecodable: 1007,
  /** The socket stayed above its message rate limit for too long. */
  rateLimited: 1008,
  /** The socket broke another limit of the server's policy (more awareness client ids than allowed). */
  policyViolation: 1008,
  /** A frame was larger than `--max-message`. */
  tooBig: 1009,
  /** The room's storage failed; the update was not accepted. */
  storageFailure: 1011,
  /** The server failed handling a message (a fault of its own, logged as such). */
  internalError: 1011,
  /** The socket's send buffer overflowed (a slow consumer); it resyncs on reconnect. */
  sendBufferOverflow: 1013,
  /** The connection's token expired during the session. */
  tokenExpired: 4401,
  /** A `view` connection kept sending document updates. */
  viewOnly: 4403,
  /** The room was deleted (`DELETE /api/rooms/<room>`); the stock client does not reconnect. */
  roomDeleted: 4404,
} as const

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]
