# file: src/remote.c
# bug: collecting a span's remote frees counts one block fewer as freed, so the span never empties
/^struct rta__span \*rta__remote_collect(/,/^}/ s/^    s->used -= count;$/    s->used -= count - 1;/
