{{-- Manage » Settings » Sightline. The relay URL is saved into .env (SIGHTLINE_RELAY_URL);
     the secret is only ever read from .env and never shown here. --}}
<form class="form-horizontal margin-top margin-bottom" method="POST" action="">
    {{ csrf_field() }}

    @if (!empty($sightline_problem))
        <div class="alert alert-warning">{{ $sightline_problem }}</div>
    @endif

    <div class="form-group{{ $errors->has('settings.sightline_relay_url') ? ' has-error' : '' }}">
        <label for="sightline_relay_url" class="col-sm-2 control-label">{{ __('Relay URL') }}</label>

        <div class="col-sm-6">
            <input id="sightline_relay_url" type="text" class="form-control input-sized-lg" name="settings[sightline_relay_url]" value="{{ old('settings.sightline_relay_url', $settings['sightline_relay_url']) }}" placeholder="/sightline">
            <p class="form-help">{{ __('Where agents\' browsers reach the Sightline relay: a path such as /sightline when FreeScout\'s web server forwards it to the relay (wss:// on FreeScout\'s own host), or a ws:// or wss:// address. Saved as SIGHTLINE_RELAY_URL in .env. Use wss:// when FreeScout is served over HTTPS.') }}</p>
            @if (!empty($sightline_relay))
                <p class="form-help">{{ __('Agents connect to :url', ['url' => $sightline_relay]) }}</p>
            @endif
            @include('partials/field_error', ['field' => 'settings.sightline_relay_url'])
        </div>
    </div>

    <div class="form-group">
        <label class="col-sm-2 control-label">{{ __('Token secret') }}</label>

        <div class="col-sm-6">
            <p class="form-control-static">
                @if (!empty($sightline_secret_ok))
                    <span class="text-success">{{ __('SIGHTLINE_JWT_SECRET is set in .env.') }}</span>
                @else
                    <span class="text-danger">{{ __('SIGHTLINE_JWT_SECRET is missing or shorter than 32 bytes in .env.') }}</span>
                @endif
            </p>
            <p class="form-help">{{ __('The relay\'s HS256 secret; edit it in .env only, then run php artisan freescout:clear-cache.') }}</p>
        </div>
    </div>

    <div class="form-group margin-top">
        <div class="col-sm-6 col-sm-offset-2">
            <button type="submit" class="btn btn-primary">{{ __('Save') }}</button>
            @if (empty($sightline_problem))
                {{-- Checks the saved settings from this browser: scheme, token route, relay, token. --}}
                <button type="button" class="btn btn-default" id="sightline-test" data-relay-url="{{ $sightline_relay }}" data-token-url="{{ $sightline_token_url }}">{{ __('Test connection') }}</button>
            @endif
            <div id="sightline-test-result" class="margin-top hidden" role="status" aria-live="polite"></div>
        </div>
    </div>
</form>
@if (empty($sightline_problem))
    <script defer src="{{ $sightline_test_js }}"></script>
@endif
