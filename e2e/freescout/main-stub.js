/**
 * A stand-in for FreeScout 1.8.235's public/js/main.js, reduced to what the Sightline module
 * touches, with FreeScout's names, selectors and flows (see the comments for the originals):
 * global functions (so a module can wrap them, as in FreeScout), the reply/note editor shown and
 * hidden through the "hidden" class of .conv-reply-block, the send through the
 * conversation.can_submit filter and fsAjax(action=send_reply) followed by a page reload, and
 * Polycast's viewer handlers, which look #conv-viewers up on every event.
 */
var fs_filters = {}
var fs_processing_send_reply = false

// biome-ignore lint/correctness/noUnusedVariables: a global of FreeScout's main.js, called by the module
function fsAddFilter(filter, callback, priority) {
  if (fs_filters[filter] === undefined) fs_filters[filter] = []
  fs_filters[filter].push({ callback: callback, priority: priority || 20 })
}

function fsApplyFilter(filter, value, params) {
  for (var item of fs_filters[filter] || []) value = item.callback(value, params || {})
  return value
}

function getGlobalAttr(attr) {
  return document.body.getAttribute(`data-${attr}`)
}

function getCsrfToken() {
  return document.querySelector('meta[name="csrf-token"]').getAttribute('content')
}

// main.js fsAjax(data, url, success_callback, no_loader, error_callback): jQuery.ajax POST.
function fsAjax(data, url, success_callback, _no_loader, error_callback) {
  fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'X-CSRF-TOKEN': getCsrfToken(),
    },
    body: data,
  })
    .then((res) => res.json())
    .then(success_callback, error_callback)
}

// main.js showReplyForm / showNoteForm / hideReplyEditor.
function showReplyForm() {
  document.querySelector('.conv-reply-block').classList.remove('hidden', 'conv-note-block')
}
function showNoteForm() {
  var block = document.querySelector('.conv-reply-block')
  if (block.classList.contains('hidden')) block.classList.remove('hidden')
  block.classList.add('conv-note-block')
}
function hideReplyEditor() {
  document.querySelector('.conv-reply-block').classList.add('hidden')
}

// polycastInit's RealtimeConvView handler: prepend span.viewer-<id> to #conv-viewers.
function fsRealtimeConvView(data) {
  var box = document.querySelector('#conv-viewers')
  if (!box || data.user_id === getGlobalAttr('auth_user_id')) return
  var item = box.querySelector(`.viewer-${data.user_id}`)
  if (item) {
    item.style.display = ''
    item.classList.toggle('viewer-replying', !!data.replying)
    return
  }
  var span = document.createElement('span')
  span.className = `photo-xs viewer-${data.user_id}${data.replying ? ' viewer-replying' : ''}`
  span.innerHTML = '<i class="person-photo person-photo-auto" data-initial="FS"></i>'
  box.prepend(span)
}

// polycastInit's RealtimeConvViewFinish handler: $('#conv-viewers .viewer-<id>').fadeOut().
function fsRealtimeConvViewFinish(data) {
  var item = document.querySelector(`#conv-viewers .viewer-${data.user_id}`)
  if (item) item.style.display = 'none'
}

document.addEventListener('DOMContentLoaded', () => {
  var reply = document.querySelector('.conv-reply')
  if (!reply) return
  reply.addEventListener('click', (e) => {
    e.preventDefault()
    if (document.querySelector('.conv-reply-block').classList.contains('hidden')) showReplyForm()
  })
  document.querySelector('.conv-add-note').addEventListener('click', (e) => {
    e.preventDefault()
    showNoteForm()
  })
  // The editor's Discard button (EditorDiscardButton -> discardDraft -> hideReplyEditor).
  document.querySelector('.note-btn-discard').addEventListener('click', (e) => {
    e.preventDefault()
    fsAjax('action=discard_draft', '/conversation/ajax', () => hideReplyEditor())
  })
  // The send (main.js: $(".btn-reply-submit").click(...)).
  document.querySelector('.btn-reply-submit').addEventListener('click', function (e) {
    e.preventDefault()
    if (fs_processing_send_reply) return
    fs_processing_send_reply = true
    var form = document.querySelector('.form-reply')
    if (!fsApplyFilter('conversation.can_submit', true, { trigger: this, form: form })) {
      fs_processing_send_reply = false
      return
    }
    var data = `${new URLSearchParams(new FormData(form)).toString()}&action=send_reply`
    fsAjax(data, '/conversation/ajax', (response) => {
      if (response.status === 'success') window.location.href = ''
      fs_processing_send_reply = false
    })
  })

  // FreeScout's broken expiry, on a fast clock: the cron's RealtimeConvViewFinish for every
  // other agent every second, and the RealtimeConvView of an agent who is long gone. Were the
  // module's viewers still under #conv-viewers, these would hide and add avatars.
  var others = (getGlobalAttr('fixture-agents') || '').split(' ').filter(Boolean)
  setInterval(() => {
    for (var id of others) fsRealtimeConvViewFinish({ user_id: id })
    fsRealtimeConvView({ user_id: '99', replying: 0 })
  }, 1000)
})
