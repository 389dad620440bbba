export { COWRITE_BIN, REPO, assertBuilt, serveCowrite, signToken, type CowriteProcess } from './cowrite-process.js'
export { startAppServer, type AppServer, type AppServerOptions } from './app-server.js'
export { launchChromium, useBrowserTest, type BrowserTest, type BrowserTestOptions } from './browser.js'
export { createStockClient, type StockClient, type StockClientOptions } from './stock-client.js'
export { waitUntil, type Listenable, type WaitOptions } from './wait.js'
export { postgresBinDir, startPostgres, usePostgresCluster, type PostgresCluster } from './postgres.js'
export { startRedis, useRedis, type RedisServer } from './redis.js'
export { cowriteNginxConfig, startNginx, type Nginx } from './nginx.js'
export { freePort } from './free-port.js'
export {
  connectHttp2,
  hasOpenssl,
  makeCertificate,
  trustingWebSocket,
  type CertificateOptions,
  type Http2Answer,
  type Http2Client,
  type Http2EventStream,
  type Http2SseMessage,
  type TestCertificate,
} from './tls.js'
export { axeViolations, seriousViolations, type AxeViolation } from './axe.js'
export { contrast, luminance } from './contrast.js'
