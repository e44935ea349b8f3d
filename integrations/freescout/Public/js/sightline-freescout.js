/**
 * Sightline for FreeScout: binds FreeScout's agent pages to the Sightline relay.
 *
 * Loaded on every agent page after FreeScout's main.js and the all-in-one bundle
 * (sightline.iife.js, global `Sightline`). It reads only what FreeScout renders:
 *
 *   <meta name="sightline-config" content='{"relayUrl","tokenUrl","locale"}'>   (layout.head)
 *   <meta name="csrf-token">                                            (FreeScout's layout)
 *   <body data-auth_user_id data-conversation_id data-mailbox_id data-folder_id>
 *   conversation page: #conv-viewers, .conv-reply-block (class "hidden" while closed),
 *                      .form-reply input[name=mailbox_id]
 *   mailbox list:      tr.conv-row[data-conversation_id] > td.conv-current
 *
 * and FreeScout's global JS hooks: fsAddFilter('conversation.can_submit'), fsAjax (the send),
 * initTooltip and Lang.get when present. Nothing here polls: presence comes from the relay.
 *
 * The agent's language: `locale` is the signed-in user's FreeScout locale (zh-CN, pt-BR, ...);
 * this script's own words come from the bundle's catalogue nearest to it (English when there
 * is none), and what it adds carries that catalogue's `lang`, which Sightline's elements follow.
 *
 * Degrade, never blind: while Sightline cannot reach the relay, or is refused, for longer than
 * OFFLINE_AFTER_MS, <html> gets the class `sightline-offline` (else `sightline-live` once
 * connected): FreeScout's own #conv-viewers is shown again with a "presence offline" marker
 * until Sightline reconnects. Token calls after a refusal back off exponentially (capped).
 */
;(() => {
  const S = window.Sightline
  const meta = document.querySelector('meta[name="sightline-config"]')
  if (!S || !meta) return
  let config
  try {
    config = JSON.parse(meta.getAttribute('content') || '')
  } catch {
    console.warn('[sightline] unreadable sightline-config meta tag')
    return
  }
  const body = document.body
  const data = (name) => body.getAttribute(`data-${name}`) || null
  if (!data('auth_user_id') || !config.relayUrl || !config.tokenUrl) return

  const messages = catalogueFor(config.locale || document.documentElement.lang)
  if (messages === null) {
    // A bundle from before the binding's sentences (the zip ships both with one ?v=): do nothing
    // rather than show undefined; FreeScout's own viewers stay.
    console.warn('[sightline] sightline.iife.js lacks the FreeScout sentences: not started')
    return
  }
  /** The language of everything this script adds (the catalogue's, not the asked-for one). */
  const lang = messages.locale

  /** What the page binding exposes, for diagnostics in the console (and the tests). */
  const handle = { presence: null, list: null, lang }
  window.SightlineFreeScout = handle

  /** Disconnected or refused this long, the page says presence is offline (ms). */
  const OFFLINE_AFTER_MS = 4000
  /** Token calls while not connected: the second waits about this long, doubling each time (ms). */
  const TOKEN_BACKOFF_MIN_MS = 2000
  /** ... up to this (ms): a mismatched secret costs about one token call a minute, not 33. */
  const TOKEN_BACKOFF_MAX_MS = 60000

  /**
   * The catalogue for a FreeScout locale (`zh-CN`, `pt-BR`; Laravel's `zh_CN` read the same):
   * the bundle's nearest (`zh-CN` -> Simplified Chinese, `fr-CA` -> French), else English; null
   * when the bundle has no catalogue with this script's sentences.
   */
  function catalogueFor(locale) {
    if (typeof S.messagesFor !== 'function') return null
    const found = S.messagesFor(
      String(locale || '')
        .trim()
        .replace(/_/g, '-'),
    )
    return found && typeof found.offlineReason === 'function' ? found : null
  }

  /** The token route refused this user (signed out, disabled, deleted): no presence at all. */
  class NoAccess extends Error {}

  /** A fresh token from the module's route (FreeScout session + CSRF). */
  function fetchToken() {
    const csrf = document.querySelector('meta[name="csrf-token"]')
    return fetch(config.tokenUrl, {
      method: 'POST',
      credentials: 'same-origin',
      // FreeScout sends a signed-out, disabled or deleted user to the login page: a redirect.
      redirect: 'manual',
      headers: {
        Accept: 'application/json',
        'X-CSRF-TOKEN': csrf ? csrf.getAttribute('content') : '',
        'X-Requested-With': 'XMLHttpRequest',
      },
    })
      .then((res) => {
        if (res.type === 'opaqueredirect' || [401, 403, 419].includes(res.status)) {
          throw new NoAccess(`token route answered ${res.status || 'a redirect'}: no access`)
        }
        if (!res.ok) throw new Error(`token route answered HTTP ${res.status}`)
        return res.json()
      })
      .then((json) => {
        if (!json || typeof json.token !== 'string') throw new Error('token route sent no token')
        return json.token
      })
  }

  /** The claims of a token (the relay verifies them; this only reads them), or {}. */
  function claimsOf(token) {
    try {
      const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')
      const bytes = Array.from(
        atob(part),
        (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
      )
      const claims = JSON.parse(decodeURIComponent(bytes.join('')))
      return claims && typeof claims === 'object' ? claims : {}
    } catch {
      return {}
    }
  }

  /** Whether `rooms` (exact names, or prefixes ending in `/*`) admit `room`, as the relay reads them. */
  function grants(rooms, room) {
    return rooms.some((pattern) =>
      pattern.endsWith('/*') ? room.startsWith(pattern.slice(0, -1)) : pattern === room,
    )
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

  /**
   * The token source of one client. A call while not connected and while the last token is still
   * good for more than REFUSED_IF_LEFT_MS means the relay refused it (a wrong secret, skewed
   * clocks): each such call
   * waits about twice as long as the one before, up to TOKEN_BACKOFF_MAX_MS, until the relay
   * admits the client again. Calls for an expiring or expired token (the background refresh,
   * every 32 s: tokens live 40 s, so a revoked mailbox is noticed within a minute; a reconnect
   * after an outage) are made at once. A token that no longer grants `room`, or a route that
   * refuses the user, ends this page's presence for good: `revoke()` is called.
   */
  function tokenSource(room, revoke) {
    const REFUSED_IF_LEFT_MS = 10000
    let lastExpiresAt = 0
    /** Refused tokens since the relay last admitted the client. */
    let refusals = 0
    /** Failed calls of the route (503 while misconfigured, network) since the last success. */
    let failures = 0
    let client = null
    return {
      attach(presenceClient) {
        client = presenceClient
        client.onStatus((status) => {
          if (status === 'connected') refusals = 0
        })
      },
      get: () => {
        const connected = client !== null && client.status === 'connected'
        if (!connected && lastExpiresAt - Date.now() > REFUSED_IF_LEFT_MS) refusals++
        const n = refusals + failures
        const cap = Math.min(TOKEN_BACKOFF_MAX_MS, TOKEN_BACKOFF_MIN_MS * 2 ** (n - 1))
        const delay = n === 0 ? 0 : cap * (0.5 + Math.random() / 2)
        return sleep(delay)
          .then(fetchToken)
          .then(
            (token) => {
              failures = 0
              const claims = claimsOf(token)
              lastExpiresAt = typeof claims.exp === 'number' ? claims.exp * 1000 : 0
              const rooms = Array.isArray(claims.rooms) ? claims.rooms : []
              if (grants(rooms, room)) return token
              revoke('this agent no longer has access to the mailbox')
              throw new NoAccess('the new token does not grant this room')
            },
            (error) => {
              if (error instanceof NoAccess) revoke(error.message)
              else failures++
              throw error
            },
          )
      },
    }
  }

  /** FreeScout's own wording ("Bob is replying") when its translations are loaded, else ours. */
  function activityText(viewer) {
    const key = viewer.activity === 'replying' ? 'messages.user_replying' : 'messages.user_viewing'
    let text = null
    if (window.Lang && typeof window.Lang.get === 'function') {
      text = window.Lang.get(key, { user: viewer.user.name })
      if (text === key) text = null
    }
    if (text === null) return messages.viewer(viewer.user.name, viewer.activity, viewer.away)
    return viewer.away ? messages.withAway(text) : text
  }

  /** Initials as FreeScout draws them: first letter of the first and of the last name. */
  function initialsOf(name) {
    const words = String(name).trim().split(/\s+/).filter(Boolean)
    if (words.length === 0) return '?'
    const first = Array.from(words[0])[0] || ''
    const last = words.length > 1 ? Array.from(words[words.length - 1])[0] || '' : ''
    return (first + last).toUpperCase()
  }

  /** Bootstrap tooltips of elements about to be removed would stay on screen. */
  function dropTooltips(root) {
    const $ = window.jQuery
    if (typeof $ !== 'function' || typeof $.fn.tooltip !== 'function') return
    $(root).find('[data-toggle="tooltip"]').addBack('[data-toggle="tooltip"]').tooltip('destroy')
  }

  function initTooltips(selector) {
    if (typeof window.initTooltip === 'function') window.initTooltip(selector)
  }

  /** A viewer in FreeScout's markup (personPhotoHtml): span.photo-xs.viewer-<id> > .person-photo */
  function viewerElement(viewer) {
    const span = document.createElement('span')
    const classes = ['photo-xs', `viewer-${viewer.user.id}`, 'sightline-viewer']
    if (viewer.activity === 'replying') classes.push('viewer-replying')
    if (viewer.away) classes.push('sightline-away')
    span.className = classes.join(' ')
    const text = activityText(viewer)
    span.title = text
    span.setAttribute('data-toggle', 'tooltip')
    span.setAttribute('role', 'listitem')
    span.setAttribute('aria-label', text)
    span.setAttribute('data-user-id', viewer.user.id)
    span.setAttribute('data-activity', viewer.activity)
    span.setAttribute('data-away', String(viewer.away))
    if (viewer.user.avatar) {
      const img = document.createElement('img')
      img.className = 'person-photo'
      img.src = viewer.user.avatar
      img.alt = ''
      span.appendChild(img)
    } else {
      const i = document.createElement('i')
      i.className = 'person-photo person-photo-auto'
      i.setAttribute('data-initial', initialsOf(viewer.user.name))
      span.appendChild(i)
    }
    return span
  }

  /**
   * Sightline's viewers box, next to FreeScout's #conv-viewers. FreeScout's Polycast handlers
   * look its box up by id on every RealtimeConvView / RealtimeConvViewFinish event (main.js
   * polycastInit) and add, hide or reorder avatars from its polled cache; they keep doing so in
   * FreeScout's box, which is hidden while Sightline is live (html.sightline-live) and shown
   * again while it is offline, so FreeScout's viewers are the fallback.
   */
  function addViewersBox() {
    const freescout = document.getElementById('conv-viewers')
    if (!freescout) return null
    const element = document.createElement('div')
    element.id = 'sightline-conv-viewers'
    element.setAttribute('role', 'list')
    element.setAttribute('aria-label', messages.viewersLabel)
    element.lang = lang
    element.setAttribute('data-sightline-status', 'connecting')
    freescout.after(element)
    return element
  }

  /**
   * Live or offline, on <html>: `sightline-live` while connected; `sightline-offline` once not
   * connected for OFFLINE_AFTER_MS (at once when the relay or the token route refused for
   * good), with FreeScout's viewers and a marker in their box. A reason is one of the
   * catalogue's `offlineReason`s, with the close code of a refusal.
   */
  function liveState() {
    const root = document.documentElement
    let timer = null
    const marker = () => document.querySelector('#conv-viewers > .sightline-offline-marker')
    const offline = (reason, closeCode = null) => {
      clearTimeout(timer)
      timer = null
      root.classList.remove('sightline-live', 'sightline-starting')
      root.classList.add('sightline-offline')
      const box = document.getElementById('conv-viewers')
      if (!box) return
      const text = messages.presenceOfflineDetail(
        messages.offlineReason(reason, closeCode),
        'FreeScout',
      )
      let span = marker()
      if (!span) {
        span = document.createElement('span')
        span.className = 'sightline-offline-marker'
        span.lang = lang
        span.setAttribute('role', 'status')
        span.setAttribute('data-toggle', 'tooltip')
        const icon = document.createElement('i')
        icon.className = 'glyphicon glyphicon-eye-close'
        icon.setAttribute('aria-hidden', 'true')
        span.append(icon, document.createTextNode(messages.presenceOffline))
        box.appendChild(span)
      }
      span.title = text
      span.setAttribute('aria-label', text)
      initTooltips('#conv-viewers > .sightline-offline-marker')
    }
    const state = {
      live() {
        clearTimeout(timer)
        timer = null
        root.classList.remove('sightline-starting')
        const span = marker()
        if (span) {
          dropTooltips(span)
          span.remove()
        }
        root.classList.remove('sightline-offline')
        root.classList.add('sightline-live')
      },
      /** Not connected: offline unless connected again within OFFLINE_AFTER_MS. */
      trouble(reason) {
        if (timer !== null || root.classList.contains('sightline-offline')) return
        timer = setTimeout(() => offline(reason), OFFLINE_AFTER_MS)
      },
      offline,
    }
    // Not yet connected counts as trouble: offline if the first connection takes too long.
    // Meanwhile FreeScout's possibly stale viewers stay hidden (the stylesheet).
    root.classList.add('sightline-starting')
    state.trouble('connecting')
    return state
  }

  function renderViewers(container, others) {
    const key = JSON.stringify(
      others.map((v) => [v.user.id, v.user.name, v.user.avatar || '', v.activity, v.away]),
    )
    if (container.getAttribute('data-sightline-key') === key) return
    container.setAttribute('data-sightline-key', key)
    dropTooltips(container)
    container.textContent = ''
    // Sightline's fold order is FreeScout's too: replying first.
    for (const viewer of others) container.appendChild(viewerElement(viewer))
    initTooltips('#sightline-conv-viewers > span')
  }

  /** The offline reason of a client status other than `connected`. */
  const troubleReason = {
    connecting: 'connecting',
    reconnecting: 'unreachable',
    closed: 'refused',
  }

  /**
   * The reply/note/forward editor is open while .conv-reply-block lacks "hidden". FreeScout
   * opens and closes it from many paths (reply, note, forward, draft, discard, undo, sent), all
   * through that class, so the binding watches the class instead of chasing each path.
   */
  function bindEditor(presence) {
    const block = document.querySelector('.conv-reply-block')
    if (!block) return
    const warning = document.createElement('sightline-reply-warning')
    const notice = document.createElement('sightline-replied-notice')
    warning.client = presence
    notice.client = presence
    const banners = document.createElement('div')
    banners.className = 'sightline-banners'
    // The elements follow the nearest `lang`: the agent's, whatever <html lang> says.
    banners.lang = lang
    banners.append(warning, notice)
    block.insertBefore(banners, block.firstChild)

    let open = null
    const sync = () => {
      const now = !block.classList.contains('hidden')
      if (now === open) return
      open = now
      presence.setActivity(now ? 'replying' : 'viewing')
      warning.composing = now
      // Replies sent before this composition began are already in the thread above.
      notice.since = presence.composingSince ?? Date.now()
    }
    new MutationObserver(sync).observe(block, { attributes: true, attributeFilter: ['class'] })
    sync()
  }

  /** The confirm of a held send, one sentence a line: "Bob replied 20 s ago.", "Send anyway?" */
  function conflictText(check) {
    const lines = check.conflicts.repliedBy.map((r) =>
      messages.replied(r.user.name, messages.duration(Date.now() - r.at)),
    )
    for (const v of check.conflicts.replyingNow) lines.push(messages.replyingNow(v.user.name))
    const sentences = lines.map((line) => messages.sentences([line]))
    return `${sentences.join('\n')}\n\n${messages.sendAnyway}`
  }

  /**
   * Send: FreeScout asks the `conversation.can_submit` filter before it posts the form, so a
   * collision (a reply sent meanwhile, someone replying now) is confirmed there; once the post
   * succeeds (fsAjax with action=send_reply, status "success"), the others are told, before
   * FreeScout's own callback reloads the page.
   */
  function bindSend(presence) {
    let confirmed = false
    if (typeof window.fsAddFilter === 'function') {
      window.fsAddFilter('conversation.can_submit', (allowed, params) => {
        if (!allowed) return allowed
        if (confirmed) {
          confirmed = false
          return true
        }
        const check = presence.beforeSend()
        if (check.ok) return true
        if (window.confirm(conflictText(check))) {
          confirmed = true
          const trigger = params?.trigger
          const button = trigger?.jquery ? trigger[0] : trigger
          // FreeScout clears its "sending" guard after a refused submit; click again, as it does.
          if (button) setTimeout(() => button.click(), 0)
        }
        return false
      })
    }
    const send = window.fsAjax
    if (typeof send !== 'function') {
      console.warn('[sightline] fsAjax not found: sent replies are not announced')
      return
    }
    window.fsAjax = function sightlineFsAjax(payload, url, onSuccess, ...rest) {
      let callback = onSuccess
      if (
        typeof payload === 'string' &&
        /(^|&)action=send_reply(&|$)/.test(payload) &&
        typeof onSuccess === 'function'
      ) {
        callback = function sightlineSent(response, ...more) {
          if (response && response.status === 'success') presence.markReplySent()
          return onSuccess.call(this, response, ...more)
        }
      }
      return send.call(this, payload, url, callback, ...rest)
    }
  }

  function bindConversation(mailboxId, conversationId) {
    const container = addViewersBox()
    const live = liveState()
    const room = S.conversationRoom(mailboxId, conversationId)
    let presence = null
    let revoked = false
    const revoke = (reason) => {
      if (revoked) return
      revoked = true
      console.warn(`[sightline] presence ended: ${reason}`)
      if (container) container.setAttribute('data-sightline-status', 'revoked')
      live.offline('no-access')
      if (presence !== null) presence.destroy()
    }
    const tokens = tokenSource(room, revoke)
    const start = (token) => {
      if (revoked) return
      presence = S.createPresence({ url: config.relayUrl, room, token, getToken: tokens.get })
      handle.presence = presence
      tokens.attach(presence)
      presence.onStatus((status) => {
        if (revoked) return
        if (container) container.setAttribute('data-sightline-status', status)
        if (status === 'connected') live.live()
        else if (status === 'closed') live.offline(troubleReason.closed)
        else live.trouble(troubleReason[status] || 'unreachable')
      })
      presence.onError((error) => {
        if (!revoked && error.code === 'refused') {
          live.offline('refused', error.closeCode ?? null)
        }
      })
      if (container) presence.subscribe((others) => renderViewers(container, others))
      bindEditor(presence)
      bindSend(presence)
    }
    // The first token: retried with the same backoff while the route fails (503 while the
    // module is misconfigured, the network); FreeScout's viewers show meanwhile.
    const first = () =>
      tokens.get().then(start, (error) => {
        if (revoked) return
        if (container) container.setAttribute('data-sightline-status', 'error')
        console.warn('[sightline] not connected:', error)
        live.trouble('no-token')
        return first()
      })
    first()
  }

  /** FreeScout's list triangle (td.conv-current > .viewer-badge), kept live. */
  function renderBadge(row, viewers) {
    const cell = row.querySelector('td.conv-current')
    if (!cell) return
    const key = JSON.stringify(viewers.map((v) => [v.user.id, v.activity, v.away]))
    if (cell.getAttribute('data-sightline-key') === key) return
    cell.setAttribute('data-sightline-key', key)
    // Also FreeScout's own badge: computed from its polled cache when the list was rendered.
    for (const old of cell.querySelectorAll('.viewer-badge')) {
      dropTooltips(old)
      old.remove()
    }
    if (viewers.length === 0) return
    const replying = viewers.some((v) => v.activity === 'replying')
    const badge = document.createElement('div')
    badge.className = `viewer-badge sightline-badge${replying ? ' viewer-replying' : ''}`
    const texts = viewers.map(activityText)
    const text =
      typeof S.formatList === 'function' ? S.formatList(messages, texts) : texts.join(', ')
    badge.title = text
    badge.setAttribute('data-toggle', 'tooltip')
    badge.lang = lang
    badge.setAttribute('role', 'img')
    badge.setAttribute('aria-label', text)
    badge.setAttribute('data-state', replying ? 'replying' : 'viewing')
    badge.setAttribute('data-user-ids', viewers.map((v) => v.user.id).join(' '))
    badge.appendChild(document.createElement('div'))
    cell.appendChild(badge)
    initTooltips(badge)
  }

  function bindList(mailboxId) {
    const room = S.mailboxRoom ? S.mailboxRoom(mailboxId) : `mailbox/${mailboxId}`
    let list = null
    let revoked = false
    const revoke = (reason) => {
      if (revoked) return
      revoked = true
      console.warn(`[sightline] list presence ended: ${reason}`)
      if (list !== null) list.destroy()
      for (const badge of document.querySelectorAll('.sightline-badge')) badge.remove()
    }
    const tokens = tokenSource(room, revoke)
    const start = (token) => {
      if (revoked) return
      list = S.createMailboxPresence({
        url: config.relayUrl,
        mailboxId,
        token,
        getToken: tokens.get,
      })
      handle.list = list
      tokens.attach(list)
      const render = () => {
        if (revoked) return
        for (const row of document.querySelectorAll('tr.conv-row[data-conversation_id]')) {
          renderBadge(row, list.viewersOf(row.getAttribute('data-conversation_id')))
        }
      }
      list.subscribe(render)
      // FreeScout replaces the rows in place (pagination, sorting, filters, refresh): badge the
      // new ones. Rendering is idempotent, so its own changes end the loop at once.
      let queued = false
      new MutationObserver(() => {
        if (queued) return
        queued = true
        setTimeout(() => {
          queued = false
          render()
        }, 0)
      }).observe(body, { childList: true, subtree: true })
    }
    const first = () =>
      tokens.get().then(start, (error) => {
        if (revoked) return
        console.warn('[sightline] list not connected:', error)
        return first()
      })
    first()
  }

  const conversationId = data('conversation_id')
  if (conversationId && document.getElementById('conv-viewers')) {
    const field = document.querySelector('.form-reply input[name="mailbox_id"]')
    const mailboxId = data('mailbox_id') || (field ? field.value : null)
    if (mailboxId) bindConversation(mailboxId, conversationId)
    else console.warn('[sightline] conversation page without a mailbox id')
  } else if (data('mailbox_id') && data('folder_id')) {
    bindList(data('mailbox_id'))
  }
})()
