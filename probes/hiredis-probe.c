/*
 * hiredis as a C application uses it, driven by `lifeline lab --client-cmd` (docs/lab.md, "Clients in
 * other languages"): one JSON object per line on stdin, one per line on stdout (cJSON builds and parses
 * them). Build: cc -O2 -o /tmp/hiredis-probe probes/hiredis-probe.c -lhiredis -lcjson -lpthread
 *
 * The synchronous API on one redisContext, commands served one after another as a single-threaded app
 * sends them (a command that hangs holds up the ones behind it): redisConnectWithTimeout with 1.5 s, as
 * hiredis's own example does; that bounds the connect only (hiredis sets no read timeout unless the app
 * calls redisSetTimeout). hiredis never reconnects by itself: once a command fails with c->err set, the
 * context is dead, so like a typical app this probe calls redisReconnect before the next command (a
 * failed reconnect fails that command). A command whose reply was lost is not sent again. Errors are
 * reported verbatim: class from c->err (REDIS_ERR_IO, REDIS_ERR_EOF, ...) and c->errstr; a server error
 * reply as class REDIS_REPLY_ERROR and its text. The subscriber is a second thread with its own context
 * whose loop reports a failure as an `error` event, reconnects and subscribes again.
 *
 * --options: {"connect_timeout_ms": 1500, "command_timeout_ms": N} (the latter calls redisSetTimeout).
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

/* Prints obj as one line and frees it; the subscriber thread prints too, hence the lock. */
static void emit(cJSON *obj) {
    char *line = cJSON_PrintUnformatted(obj);
    cJSON_Delete(obj);
    if (!line) {
        fputs("hiredis-probe: out of memory printing a line\n", stderr);
        _exit(3);
    }
    pthread_mutex_lock(&out_lock);
    fputs(line, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    pthread_mutex_unlock(&out_lock);
    free(line);
}

static const char *err_class(int err) {
    switch (err) {
    case REDIS_ERR_IO: return "REDIS_ERR_IO";
    case REDIS_ERR_EOF: return "REDIS_ERR_EOF";
    case REDIS_ERR_PROTOCOL: return "REDIS_ERR_PROTOCOL";
    case REDIS_ERR_OOM: return "REDIS_ERR_OOM";
#ifdef REDIS_ERR_TIMEOUT
    case REDIS_ERR_TIMEOUT: return "REDIS_ERR_TIMEOUT";
#endif
    default: return "REDIS_ERR_OTHER";
    }
}

static cJSON *error_object(const char *class, const char *message) {
    cJSON *error = cJSON_CreateObject();
    cJSON_AddStringToObject(error, "class", class);
    cJSON_AddStringToObject(error, "message", message);
    return error;
}

static void answer_error(cJSON *id, const char *class, const char *message) {
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "id", cJSON_Duplicate(id, 1));
    cJSON_AddFalseToObject(out, "ok");
    cJSON_AddItemToObject(out, "error", error_object(class, message));
    emit(out);
}

static void answer_ok(cJSON *id, cJSON *value) {
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "id", cJSON_Duplicate(id, 1));
    cJSON_AddTrueToObject(out, "ok");
    cJSON_AddItemToObject(out, "value", value);
    emit(out);
}

/* A reply as JSON: strings as text (the lab decodes invalid UTF-8 with replacement), integers exact. */
static cJSON *plain(const redisReply *r) {
    char number[32];
    switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        return cJSON_CreateString(r->str);
    case REDIS_REPLY_INTEGER:
        snprintf(number, sizeof number, "%lld", r->integer);
        return cJSON_CreateRaw(number);
    case REDIS_REPLY_ARRAY: {
        cJSON *array = cJSON_CreateArray();
        for (size_t i = 0; i < r->elements; i++) cJSON_AddItemToArray(array, plain(r->element[i]));
        return array;
    }
    default: /* REDIS_REPLY_NIL (and RESP3 types, which RESP2 never sends) */
        return cJSON_CreateNull();
    }
}

static redisContext *ctx;
static struct timeval connect_timeout = {1, 500000};
static struct timeval command_timeout; /* zero: none, hiredis's default */
static char *host;
static int port;

static redisContext *open_context(void) {
    redisContext *c = redisConnectWithTimeout(host, port, connect_timeout);
    if (!c) {
        fputs("hiredis-probe: cannot allocate a redisContext\n", stderr);
        _exit(3);
    }
    if (!c->err && (command_timeout.tv_sec || command_timeout.tv_usec)) redisSetTimeout(c, command_timeout);
    return c;
}

static void op_connect(cJSON *id, cJSON *msg) {
    cJSON *h = cJSON_GetObjectItemCaseSensitive(msg, "host");
    cJSON *p = cJSON_GetObjectItemCaseSensitive(msg, "port");
    if (cJSON_GetObjectItemCaseSensitive(msg, "topology")) {
        answer_error(id, "ProbeError", "this probe connects to one host:port; it has no Sentinel or Cluster client");
        return;
    }
    if (!cJSON_IsString(h) || !cJSON_IsNumber(p)) {
        answer_error(id, "ProbeError", "connect needs host and port");
        return;
    }
    cJSON *option;
    cJSON_ArrayForEach(option, cJSON_GetObjectItemCaseSensitive(msg, "options")) {
        struct timeval *into = strcmp(option->string, "connect_timeout_ms") == 0   ? &connect_timeout
                               : strcmp(option->string, "command_timeout_ms") == 0 ? &command_timeout
                                                                                    : NULL;
        if (!into || !cJSON_IsNumber(option)) {
            answer_error(id, "ProbeError", "options: connect_timeout_ms and command_timeout_ms (numbers) only");
            return;
        }
        into->tv_sec = (long)option->valuedouble / 1000;
        into->tv_usec = ((long)option->valuedouble % 1000) * 1000;
    }
    free(host);
    host = strdup(h->valuestring);
    port = p->valueint;
    if (ctx) redisFree(ctx);
    ctx = open_context();
    if (ctx->err) {
        answer_error(id, err_class(ctx->err), ctx->errstr);
        return;
    }
    /* The application's first command: connect resolves when it answers. */
    redisReply *reply = redisCommand(ctx, "PING");
    if (!reply) {
        answer_error(id, err_class(ctx->err), ctx->errstr);
        return;
    }
    freeReplyObject(reply);
    answer_ok(id, cJSON_CreateTrue());
}

static void op_send(cJSON *id, cJSON *msg) {
    cJSON *args = cJSON_GetObjectItemCaseSensitive(msg, "args");
    int argc = cJSON_GetArraySize(args);
    if (!ctx || !cJSON_IsArray(args) || argc == 0) {
        answer_error(id, "ProbeError", ctx ? "send needs args" : "send before connect");
        return;
    }
    /* The context is dead after an error: the app reconnects before its next command. */
    if (ctx->err && redisReconnect(ctx) != REDIS_OK) {
        answer_error(id, err_class(ctx->err), ctx->errstr);
        return;
    }
    if (ctx->err == 0 && (command_timeout.tv_sec || command_timeout.tv_usec)) redisSetTimeout(ctx, command_timeout);
    const char **argv = calloc((size_t)argc, sizeof *argv);
    size_t *lens = calloc((size_t)argc, sizeof *lens);
    int i = 0;
    cJSON *arg;
    cJSON_ArrayForEach(arg, args) {
        argv[i] = cJSON_IsString(arg) ? arg->valuestring : "";
        lens[i] = strlen(argv[i]);
        i++;
    }
    redisReply *reply = redisCommandArgv(ctx, argc, argv, lens);
    free(argv);
    free(lens);
    if (!reply) {
        answer_error(id, err_class(ctx->err), ctx->errstr);
    } else if (reply->type == REDIS_REPLY_ERROR) {
        answer_error(id, "REDIS_REPLY_ERROR", reply->str);
    } else {
        answer_ok(id, plain(reply));
    }
    if (reply) freeReplyObject(reply);
}

/* The subscriber thread's first SUBSCRIBE: confirmed, or its error, handed to op_subscribe. */
static pthread_mutex_t sub_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sub_cond = PTHREAD_COND_INITIALIZER;
static int sub_state; /* 0 waiting, 1 subscribed, -1 failed (sub_error) */
static char sub_class[32], sub_error[256];

static void sub_settle(int state, const char *class, const char *message) {
    pthread_mutex_lock(&sub_lock);
    if (sub_state == 0) {
        sub_state = state;
        snprintf(sub_class, sizeof sub_class, "%s", class ? class : "");
        snprintf(sub_error, sizeof sub_error, "%s", message ? message : "");
        pthread_cond_signal(&sub_cond);
    }
    pthread_mutex_unlock(&sub_lock);
}

static void *listen_loop(void *arg) {
    const char *channel = arg;
    int confirmed = 0;
    for (;;) {
        redisContext *c = open_context();
        const char *argv[] = {"SUBSCRIBE", channel};
        redisReply *reply = c->err ? NULL : redisCommandArgv(c, 2, argv, NULL);
        while (reply) {
            if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
                reply->element[0]->type == REDIS_REPLY_STRING) {
                const char *kind = reply->element[0]->str;
                if (strcmp(kind, "subscribe") == 0 && !confirmed) {
                    confirmed = 1;
                    sub_settle(1, NULL, NULL);
                } else if (strcmp(kind, "message") == 0) {
                    cJSON *out = cJSON_CreateObject();
                    cJSON_AddStringToObject(out, "event", "message");
                    cJSON_AddItemToObject(out, "channel", plain(reply->element[1]));
                    cJSON_AddItemToObject(out, "message", plain(reply->element[2]));
                    emit(out);
                }
            }
            freeReplyObject(reply);
            reply = NULL;
            if (redisGetReply(c, (void **)&reply) != REDIS_OK) reply = NULL;
        }
        /* What the app's reader loop would catch: the context failed. */
        if (!confirmed) {
            sub_settle(-1, err_class(c->err), c->errstr);
            redisFree(c);
            return NULL;
        }
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "event", "error");
        cJSON_AddStringToObject(out, "role", "subscriber");
        cJSON_AddItemToObject(out, "error", error_object(err_class(c->err), c->errstr));
        emit(out);
        redisFree(c);
        usleep(100000); /* then reconnect and subscribe again */
    }
}

static void op_subscribe(cJSON *id, cJSON *msg) {
    cJSON *channel = cJSON_GetObjectItemCaseSensitive(msg, "channel");
    if (!host || !cJSON_IsString(channel)) {
        answer_error(id, "ProbeError", host ? "subscribe needs a channel" : "subscribe before connect");
        return;
    }
    sub_state = 0;
    pthread_t thread;
    if (pthread_create(&thread, NULL, listen_loop, strdup(channel->valuestring)) != 0) {
        answer_error(id, "ProbeError", "pthread_create failed");
        return;
    }
    pthread_detach(thread);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&sub_lock);
    while (sub_state == 0 && pthread_cond_timedwait(&sub_cond, &sub_lock, &until) == 0) {
    }
    int state = sub_state;
    pthread_mutex_unlock(&sub_lock);
    if (state == 1)
        answer_ok(id, cJSON_CreateTrue());
    else if (state == -1)
        answer_error(id, sub_class, sub_error);
    else
        answer_error(id, "ProbeError", "no subscribe confirmation within 10 s");
}

int main(void) {
    /* hiredis writes to sockets the server may have closed: a typical app ignores SIGPIPE, else it dies. */
    signal(SIGPIPE, SIG_IGN);
    char library[64];
    snprintf(library, sizeof library, "hiredis %d.%d.%d (cJSON %s)", HIREDIS_MAJOR, HIREDIS_MINOR, HIREDIS_PATCH,
             cJSON_Version());
    cJSON *ready = cJSON_CreateObject();
    cJSON_AddStringToObject(ready, "event", "ready");
    cJSON_AddStringToObject(ready, "library", library);
    emit(ready);

    char *line = NULL;
    size_t size = 0;
    while (getline(&line, &size, stdin) != -1) {
        if (strspn(line, " \t\r\n") == strlen(line)) continue;
        cJSON *msg = cJSON_Parse(line);
        if (!cJSON_IsObject(msg)) {
            fprintf(stderr, "hiredis-probe: not a JSON object: %.80s\n", strtok(line, "\r\n") ? line : "");
            _exit(2);
        }
        cJSON *op = cJSON_GetObjectItemCaseSensitive(msg, "op");
        cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
        cJSON *null_id = id ? NULL : cJSON_CreateNull();
        const char *name = cJSON_IsString(op) ? op->valuestring : "";
        if (strcmp(name, "close") == 0) break;
        if (strcmp(name, "connect") == 0)
            op_connect(id ? id : null_id, msg);
        else if (strcmp(name, "send") == 0)
            op_send(id ? id : null_id, msg);
        else if (strcmp(name, "subscribe") == 0)
            op_subscribe(id ? id : null_id, msg);
        else
            answer_error(id ? id : null_id, "ProbeError", "unknown op");
        cJSON_Delete(null_id);
        cJSON_Delete(msg);
    }
    /* Leave at once: the subscriber thread may sit on a dead socket. */
    fflush(stdout);
    _exit(0);
}
