/*
 * mamori: the public constants of the sensor.
 */
#ifndef MAMORI_MAMORI_H
#define MAMORI_MAMORI_H

#define MAMORI_VERSION "0.1.0"

/* Process exit status. */
enum mamori_exit {
    MAMORI_EXIT_OK = 0,          /* all input processed */
    MAMORI_EXIT_USAGE = 1,       /* bad usage or startup error: nothing processed */
    MAMORI_EXIT_INPUT_ERROR = 2, /* an input was unreadable, of an unknown link type,
                                    truncated or corrupt; all readable input was processed */
};

#endif
