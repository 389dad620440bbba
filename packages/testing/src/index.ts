export { COWRITE_BIN, REPO, assertBuilt, serveCowrite, signToken, type CowriteProcess } from './cowrite-process.js'
export { startAppServer, type AppServer, type AppServerOptions } from './app-server.js'
export { launchChromium, useBrowserTest, type BrowserTest, type BrowserTestOptions } from './browser.js'
export { createStockClient, type StockClient, type StockClientOptions } from './stock-client.js'
