/* Event messages from the control thread to the process callback.
 *
 * Each message is a block allocated from the rtalloc pools by the control
 * thread and freed by the callback: the cross-thread free every real
 * client has.  Only the pointer travels through the ring. */
#ifndef JACK_DEMO_MESSAGES_H
#define JACK_DEMO_MESSAGES_H

#include <stdint.h>

enum note_msg_kind {
    MSG_NOTE_ON,   /* note, velocity */
    MSG_NOTE_OFF,  /* note */
    MSG_ALL_OFF,   /* release every voice */
    MSG_BRIGHTNESS /* value in [0, 1]: weight of the upper harmonics */
};

struct note_msg {
    uint8_t kind;     /* enum note_msg_kind */
    uint8_t note;     /* MIDI note number */
    uint8_t velocity; /* 1..127 */
    float value;
};

#endif
