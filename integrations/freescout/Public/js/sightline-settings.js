/**
 * Sightline for FreeScout: the "Test connection" button of Manage » Settings » Sightline.
 *
 * From the admin's browser, in order, and names the first step that fails:
 *   scheme  the relay URL suits the page (no ws:// from an https:// page: mixed content);
 *   token   FreeScout's token route gives this admin a token;
 *   reach   the relay answers: a WebSocket to a room the token grants opens;
 *   accept  the relay accepts the token (its first frame; 4401 = secrets differ, 4403 = origin).
 * The button carries the resolved relay address and the token route (settings.blade.php).
 */
;(() => {
  const button = document.getElementById('sightline-test')
  const result = document.getElementById('sightline-test-result')
  if (!button || !result) return
  const WAIT_MS = 8000

  function show(ok, step, text) {
    const kind = step === 'running' ? 'alert-info' : ok ? 'alert-success' : 'alert-danger'
    result.className = `margin-top alert ${kind}`
    result.setAttribute('data-step', step)
    result.textContent = text
  }

  /** The first room the token's `rooms` claim names exactly (a mailbox list room). */
  function roomOf(token) {
    try {
      const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')
      const rooms = JSON.parse(atob(part)).rooms
      return Array.isArray(rooms) ? rooms.find((r) => !r.endsWith('*')) || null : null
    } catch {
      return null
    }
  }

  function connect(relayUrl, room, token) {
    return new Promise((resolve) => {
      let opened = false
      let ws
      try {
        ws = new WebSocket(`${relayUrl}/${room}`, ['sightline', `sightline.token.${token}`])
      } catch (error) {
        resolve({ ok: false, step: 'reach', detail: String(error) })
        return
      }
      const timer = setTimeout(() => {
        ws.close()
        resolve({ ok: false, step: opened ? 'accept' : 'reach', code: 'timeout' })
      }, WAIT_MS)
      ws.onopen = () => {
        opened = true
      }
      ws.onmessage = () => {
        clearTimeout(timer)
        ws.close(1000)
        resolve({ ok: true })
      }
      ws.onclose = (event) => {
        clearTimeout(timer)
        resolve({ ok: false, step: opened ? 'accept' : 'reach', code: event.code })
      }
    })
  }

  async function run() {
    const relayUrl = button.getAttribute('data-relay-url') || ''
    const tokenUrl = button.getAttribute('data-token-url') || ''

    if (window.location.protocol === 'https:' && /^ws:/i.test(relayUrl)) {
      return show(
        false,
        'scheme',
        `Relay URL: this page is served over https:// but the relay address is ${relayUrl}; browsers block ws:// sockets from https:// pages (mixed content). Use wss://, or the path /sightline with the relay behind FreeScout's own web server.`,
      )
    }

    let token
    try {
      const csrf = document.querySelector('meta[name="csrf-token"]')
      const res = await fetch(tokenUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          Accept: 'application/json',
          'X-CSRF-TOKEN': csrf ? csrf.getAttribute('content') : '',
          'X-Requested-With': 'XMLHttpRequest',
        },
      })
      const json = await res.json().catch(() => ({}))
      if (!res.ok || typeof json.token !== 'string') {
        return show(
          false,
          'token',
          `Token: FreeScout's token route answered HTTP ${res.status}${json.message ? `: ${json.message}` : ''}.`,
        )
      }
      token = json.token
    } catch (error) {
      return show(false, 'token', `Token: FreeScout's token route could not be called (${error}).`)
    }
    const room = roomOf(token)
    if (room === null) {
      return show(
        false,
        'token',
        'Token: this user can see no mailbox, so there is no room to test with.',
      )
    }

    const outcome = await connect(relayUrl, room, token)
    if (outcome.ok) {
      return show(
        true,
        'done',
        `Connected: the relay at ${relayUrl} answered and accepted a token from this FreeScout.`,
      )
    }
    if (outcome.step === 'reach') {
      return show(
        false,
        'reach',
        `Relay: no answer at ${relayUrl} (the WebSocket did not open). Check that the relay runs (systemctl status sightline-relay), that the web server forwards /sightline/ to it with WebSocket upgrades, and that this address is reachable from your browser.`,
      )
    }
    if (outcome.code === 4401) {
      return show(
        false,
        'accept',
        "Token refused (close code 4401): the relay's SIGHTLINE_JWT_SECRET differs from FreeScout's (after editing .env, run php artisan freescout:clear-cache), or the two servers' clocks differ.",
      )
    }
    if (outcome.code === 4403) {
      return show(
        false,
        'accept',
        `Origin refused (close code 4403): add ${window.location.origin} to SIGHTLINE_ALLOWED_ORIGINS in the relay's configuration.`,
      )
    }
    return show(
      false,
      'accept',
      outcome.code === 'timeout'
        ? `Relay: the connection opened but the relay sent nothing within ${WAIT_MS / 1000} s.`
        : `Relay: the connection was closed with code ${outcome.code} before the relay accepted it.`,
    )
  }

  button.addEventListener('click', () => {
    button.disabled = true
    show(true, 'running', 'Testing…')
    run().finally(() => {
      button.disabled = false
    })
  })
})()
