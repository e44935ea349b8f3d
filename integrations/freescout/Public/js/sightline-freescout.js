/**
 * Sightline for FreeScout: binds FreeScout's agent pages to the Sightline relay.
 *
 * Loaded on every agent page after FreeScout's main.js and the all-in-one bundle
 * (sightline.iife.js, global `Sightline`). It reads only what FreeScout renders:
 *
 *   <meta name="sightline-config" content='{"relayUrl","tokenUrl"}'>   (this module's layout.head)
 *   <meta name="csrf-token">                                            (FreeScout's layout)
 *   <body data-auth_user_id data-conversation_id data-mailbox_id data-folder_id>
 *   conversation page: #conv-viewers, .conv-reply-block (class "hidden" while closed),
 *                      .form-reply input[name=mailbox_id]
 *   mailbox list:      tr.conv-row[data-conversation_id] > td.conv-current
 *
 * and FreeScout's global JS hooks: fsAddFilter('conversation.can_submit'), fsAjax (the send),
 * initTooltip and Lang.get when present. Nothing here polls: presence comes from the relay.
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

  /** What the page binding exposes, for diagnostics in the console (and the tests). */
  const handle = { presence: null, list: null }
  window.SightlineFreeScout = handle

  /** A fresh token from the module's route (FreeScout session + CSRF); used again ahead of expiry. */
  function fetchToken() {
    const csrf = document.querySelector('meta[name="csrf-token"]')
    return fetch(config.tokenUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        Accept: 'application/json',
        'X-CSRF-TOKEN': csrf ? csrf.getAttribute('content') : '',
        'X-Requested-With': 'XMLHttpRequest',
      },
    })
      .then((res) => {
        if (!res.ok) throw new Error(`token route answered HTTP ${res.status}`)
        return res.json()
      })
      .then((json) => {
        if (!json || typeof json.token !== 'string') throw new Error('token route sent no token')
        return json.token
      })
  }

  /** FreeScout's own wording ("Bob is replying") when its translations are loaded. */
  function activityText(viewer) {
    const key = viewer.activity === 'replying' ? 'messages.user_replying' : 'messages.user_viewing'
    let text = null
    if (window.Lang && typeof window.Lang.get === 'function') {
      text = window.Lang.get(key, { user: viewer.user.name })
      if (text === key) text = null
    }
    if (text === null) {
      text = `${viewer.user.name} ${viewer.activity === 'replying' ? 'is replying' : 'is viewing'}`
    }
    return viewer.away ? `${text} (away)` : text
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
   * FreeScout's #conv-viewers, taken over. Its Polycast handlers look the element up by that id
   * on every RealtimeConvView / RealtimeConvViewFinish event (main.js polycastInit) and would
   * add, hide or reorder avatars from its polled cache; under another id they find nothing, so
   * they can no longer contradict Sightline. The element keeps its place (our stylesheet gives
   * #sightline-conv-viewers the rules of #conv-viewers). The avatars it was rendered with come
   * from the same cache, so they go too.
   */
  function takeOverViewers() {
    const element = document.getElementById('conv-viewers')
    if (!element) return null
    dropTooltips(element)
    element.id = 'sightline-conv-viewers'
    element.textContent = ''
    element.setAttribute('role', 'list')
    element.setAttribute('aria-label', 'Other agents on this conversation')
    element.setAttribute('data-sightline-status', 'connecting')
    return element
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

  function conflictText(check) {
    const ago = (at) =>
      typeof S.formatDuration === 'function' ? `${S.formatDuration(Date.now() - at)} ago` : ''
    const lines = check.conflicts.repliedBy.map((r) => `${r.user.name} replied ${ago(r.at)}.`)
    for (const v of check.conflicts.replyingNow) lines.push(`${v.user.name} is replying now.`)
    return `${lines.join('\n')}\n\nSend anyway?`
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
    const container = takeOverViewers()
    fetchToken()
      .then((token) => {
        const presence = S.createPresence({
          url: config.relayUrl,
          room: S.conversationRoom(mailboxId, conversationId),
          token,
          getToken: fetchToken,
        })
        handle.presence = presence
        if (container) {
          presence.onStatus((status) => container.setAttribute('data-sightline-status', status))
          presence.subscribe((others) => renderViewers(container, others))
        }
        bindEditor(presence)
        bindSend(presence)
      })
      .catch((error) => {
        if (container) container.setAttribute('data-sightline-status', 'error')
        console.warn('[sightline] not connected:', error)
      })
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
    const text = viewers.map(activityText).join(', ')
    badge.title = text
    badge.setAttribute('data-toggle', 'tooltip')
    badge.setAttribute('role', 'img')
    badge.setAttribute('aria-label', text)
    badge.setAttribute('data-state', replying ? 'replying' : 'viewing')
    badge.setAttribute('data-user-ids', viewers.map((v) => v.user.id).join(' '))
    badge.appendChild(document.createElement('div'))
    cell.appendChild(badge)
    initTooltips(badge)
  }

  function bindList(mailboxId) {
    fetchToken()
      .then((token) => {
        const list = S.createMailboxPresence({
          url: config.relayUrl,
          mailboxId,
          token,
          getToken: fetchToken,
        })
        handle.list = list
        const render = () => {
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
      })
      .catch((error) => console.warn('[sightline] list not connected:', error))
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
