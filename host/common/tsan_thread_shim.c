/* ThreadSanitizer builds only. librdkafka starts its threads with C11
 * thrd_create, which glibc implements without going through the
 * pthread_create that TSan intercepts; such threads have no TSan state and
 * crash on their first allocation. Defining the C11 thread calls here, in the
 * executable, interposes them for librdkafka and routes them through
 * pthread, which TSan sees. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

struct sluice_tsan_trampoline {
  thrd_start_t func;
  void* arg;
};

static void* sluice_tsan_start(void* p) {
  struct sluice_tsan_trampoline t = *(struct sluice_tsan_trampoline*)p;
  free(p);
  return (void*)(intptr_t)t.func(t.arg);
}

int thrd_create(thrd_t* thr, thrd_start_t func, void* arg) {
  struct sluice_tsan_trampoline* t = malloc(sizeof *t);
  if (!t) return thrd_nomem;
  t->func = func;
  t->arg = arg;
  if (pthread_create(thr, NULL, sluice_tsan_start, t) != 0) {
    free(t);
    return thrd_error;
  }
  return thrd_success;
}

int thrd_join(thrd_t thr, int* res) {
  void* r = NULL;
  if (pthread_join(thr, &r) != 0) return thrd_error;
  if (res) *res = (int)(intptr_t)r;
  return thrd_success;
}

int thrd_detach(thrd_t thr) { return pthread_detach(thr) == 0 ? thrd_success : thrd_error; }

/* glibc's C11 mutexes and condition variables are pthread ones underneath
 * (same layout), but called internally, out of TSan's sight: route them
 * through the intercepted pthread calls so TSan sees librdkafka's locking. */
int mtx_init(mtx_t* m, int type) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  if (type & mtx_recursive) pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
  int r = pthread_mutex_init((pthread_mutex_t*)m, &a);
  pthread_mutexattr_destroy(&a);
  return r == 0 ? thrd_success : thrd_error;
}
int mtx_lock(mtx_t* m) { return pthread_mutex_lock((pthread_mutex_t*)m) == 0 ? thrd_success : thrd_error; }
int mtx_trylock(mtx_t* m) {
  int r = pthread_mutex_trylock((pthread_mutex_t*)m);
  return r == 0 ? thrd_success : thrd_busy;
}
int mtx_timedlock(mtx_t* restrict m, const struct timespec* restrict ts) {
  int r = pthread_mutex_timedlock((pthread_mutex_t*)m, ts);
  return r == 0 ? thrd_success : r == ETIMEDOUT ? thrd_timedout : thrd_error;
}
int mtx_unlock(mtx_t* m) { return pthread_mutex_unlock((pthread_mutex_t*)m) == 0 ? thrd_success : thrd_error; }
void mtx_destroy(mtx_t* m) { pthread_mutex_destroy((pthread_mutex_t*)m); }
int cnd_init(cnd_t* c) { return pthread_cond_init((pthread_cond_t*)c, NULL) == 0 ? thrd_success : thrd_error; }
int cnd_signal(cnd_t* c) { return pthread_cond_signal((pthread_cond_t*)c) == 0 ? thrd_success : thrd_error; }
int cnd_broadcast(cnd_t* c) { return pthread_cond_broadcast((pthread_cond_t*)c) == 0 ? thrd_success : thrd_error; }
int cnd_wait(cnd_t* c, mtx_t* m) {
  return pthread_cond_wait((pthread_cond_t*)c, (pthread_mutex_t*)m) == 0 ? thrd_success : thrd_error;
}
int cnd_timedwait(cnd_t* restrict c, mtx_t* restrict m, const struct timespec* restrict ts) {
  int r = pthread_cond_timedwait((pthread_cond_t*)c, (pthread_mutex_t*)m, ts);
  return r == 0 ? thrd_success : r == ETIMEDOUT ? thrd_timedout : thrd_error;
}
void cnd_destroy(cnd_t* c) { pthread_cond_destroy((pthread_cond_t*)c); }
