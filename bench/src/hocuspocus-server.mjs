/**
 * The Hocuspocus server under test, started as its README starts it (`new Server({ port })`
 * then `listen()`), with no extensions and no hooks (so no `onAuthenticate`: any token is
 * accepted), on the HOST and PORT the bench passes in the environment. `quiet` only turns off
 * its start-up banner. Run as its own process by bench/src/servers.ts.
 */
import { Server } from '@hocuspocus/server'

const server = new Server({
  port: Number(process.env.PORT),
  address: process.env.HOST ?? '127.0.0.1',
  quiet: true,
})

server.listen()
