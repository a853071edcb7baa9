#!/bin/sh
# Callbacks of audio libraries other than libjack made RT sections, each
# with the real library: PortAudio (libportaudio2) through its JACK host
# API on a private dummy JACK server, with Pa_OpenStream and with
# Pa_OpenDefaultStream; SDL2 (libsdl2-2.0-0) on its dummy audio driver,
# with SDL_OpenAudio and SDL_OpenAudioDevice.  Each client's callback
# mallocs and frees once per call: the guard must count exactly those
# calls, attribute them to the client, and count one cycle per call.
pa=./tests/guard_pa_client
sdl=./tests/guard_sdl_client
. "$(dirname "$0")/guard_jack_lib.sh"
for l in libportaudio.so.2 libSDL2-2.0.so.0; do
    ldconfig -p 2>/dev/null | grep -q "$l" || /sbin/ldconfig -p 2>/dev/null | grep -q "$l" || {
        echo "FAIL: $l not installed (scripts/install-deps installs it)"
        exit 1
    }
done

for how in stream default; do
    arg=; [ $how = default ] && arg=default
    JACK_DEFAULT_SERVER=$server RTALLOC_GUARD=count LD_PRELOAD=$lib $pa 200 $arg \
        >"$tmp/out" 2>"$tmp/err"
    st=$?
    c=$(field "$tmp/out" callbacks)
    check "portaudio ($how): ran (exit $st), ${c:-0} callbacks" \
        "$([ $st = 0 ] && [ "${c:-0}" -ge 200 ]; echo $?)"
    check "portaudio ($how): one cycle per callback, its calls attributed to it" \
        "$(summary "$tmp/err" "portaudio callback: $c cycles" &&
           summary "$tmp/err" "site: $c malloc in pa_callback+0x[0-9a-f]* (guard_pa_client+0x[0-9a-f]*)" &&
           summary "$tmp/err" "module guard_pa_client: $((2 * c)) calls"; echo $?)"
    [ $fail = 0 ] || show "$tmp/err"
done

for how in audio device; do
    arg=; [ $how = device ] && arg=device
    RTALLOC_GUARD=count LD_PRELOAD=$lib $sdl 200 $arg >"$tmp/out" 2>"$tmp/err"
    st=$?
    c=$(field "$tmp/out" callbacks)
    check "sdl ($how): ran (exit $st), ${c:-0} callbacks" \
        "$([ $st = 0 ] && [ "${c:-0}" -ge 200 ]; echo $?)"
    check "sdl ($how): one cycle per callback, exactly its calls" \
        "$(summary "$tmp/err" "sdl audio callback: $c cycles" &&
           summary "$tmp/err" "$((2 * c)) system-heap calls in RT sections" &&
           summary "$tmp/err" "module guard_sdl_client: $((2 * c)) calls"; echo $?)"
    [ $fail = 0 ] || show "$tmp/err"
done
exit $fail
