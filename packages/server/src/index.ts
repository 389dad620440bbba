export { createServer, type CloseReport, type CowriteServer } from './server.js'
export type { ServerOptions } from './options.js'
export type { Storage, RoomAppend, StoredRoom } from './storage/storage.js'
export { createMemoryStorage } from './storage/memory.js'
