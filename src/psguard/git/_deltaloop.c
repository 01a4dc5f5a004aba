/* The delta-aware history reader's inner loop, compiled: git's delta format applied
 * to a base, with the result's fresh ranges (packwalk.apply_delta_fresh is the same
 * function in Python, the fallback where this was not built; tests run both).
 *
 * apply_delta_fresh(base: bytes, delta: bytes, window: int)
 *     -> (result: bytes, fresh: list[tuple[int, int]])
 * Raises ValueError on a delta that does not fit its base (the caller asks git).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static int
varint(const unsigned char *d, Py_ssize_t end, Py_ssize_t *pos, unsigned long long *out)
{
    unsigned long long value = 0;
    int shift = 0;
    for (;;) {
        if (*pos >= end || shift > 63)
            return -1;
        unsigned char c = d[(*pos)++];
        value |= (unsigned long long)(c & 0x7f) << shift;
        shift += 7;
        if (!(c & 0x80))
            break;
    }
    *out = value;
    return 0;
}

/* Append the range being grown to the list; 0 on success. */
static int
push_range(PyObject *list, long long a, long long b)
{
    PyObject *t = Py_BuildValue("(LL)", a, b);
    if (t == NULL)
        return -1;
    int rc = PyList_Append(list, t);
    Py_DECREF(t);
    return rc;
}

static PyObject *
bad(const char *why)
{
    PyErr_SetString(PyExc_ValueError, why);
    return NULL;
}

static PyObject *
apply_delta_fresh(PyObject *self, PyObject *args)
{
    Py_buffer base, delta;
    long long w;
    if (!PyArg_ParseTuple(args, "y*y*L", &base, &delta, &w))
        return NULL;
    PyObject *result = NULL, *fresh = NULL, *out = NULL;
    const unsigned char *d = delta.buf;
    const unsigned char *b = base.buf;
    Py_ssize_t end = delta.len, pos = 0;
    unsigned long long base_size, size;
    if (varint(d, end, &pos, &base_size) || varint(d, end, &pos, &size)) {
        bad("delta header cut short");
        goto done;
    }
    if (base_size != (unsigned long long)base.len) {
        bad("delta base size mismatch");
        goto done;
    }
    if (size > (unsigned long long)PY_SSIZE_T_MAX) {
        bad("delta result too large");
        goto done;
    }
    out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)size);
    fresh = PyList_New(0);
    if (out == NULL || fresh == NULL)
        goto done;
    unsigned char *o = (unsigned char *)PyBytes_AS_STRING(out);
    long long t = 0, fa = -1, fb = -1, copied_to = -1;
    while (pos < end) {
        unsigned char c = d[pos++];
        if (c & 0x80) {
            unsigned long long off = 0, n = 0;
            for (int i = 0; i < 4; i++)
                if (c & (1 << i)) {
                    if (pos >= end) { bad("delta cut short"); goto done; }
                    off |= (unsigned long long)d[pos++] << (8 * i);
                }
            for (int i = 0; i < 3; i++)
                if (c & (0x10 << i)) {
                    if (pos >= end) { bad("delta cut short"); goto done; }
                    n |= (unsigned long long)d[pos++] << (8 * i);
                }
            if (n == 0)
                n = 0x10000;
            if (off + n > base_size) { bad("delta copies past its base"); goto done; }
            if ((unsigned long long)t + n > size) { bad("delta result size mismatch"); goto done; }
            memcpy(o + t, b + off, (size_t)n);
            if (t && (long long)off != copied_to && w >= 0) {  /* a splice */
                if (t - w <= fb) {
                    fb = t + w;
                } else {
                    if ((fa >= 0 || fb >= 0) && push_range(fresh, fa, fb)) goto done;
                    fa = t - w;
                    fb = t + w;
                }
            }
            copied_to = (long long)(off + n);
            t += (long long)n;
        } else if (c) {
            if (pos + c > end) { bad("delta cut short"); goto done; }
            if ((unsigned long long)t + c > size) { bad("delta result size mismatch"); goto done; }
            memcpy(o + t, d + pos, c);
            pos += c;
            if (w >= 0) {
                if (t - w <= fb) {
                    if (t + c + w > fb)
                        fb = t + c + w;
                } else {
                    if ((fa >= 0 || fb >= 0) && push_range(fresh, fa, fb)) goto done;
                    fa = t - w;
                    fb = t + c + w;
                }
            }
            copied_to = -1;
            t += c;
        } else {
            bad("delta opcode 0");
            goto done;
        }
    }
    if ((unsigned long long)t != size) { bad("delta result size mismatch"); goto done; }
    if (fb >= 0 && push_range(fresh, fa, fb)) goto done;
    Py_ssize_t nr = PyList_GET_SIZE(fresh);
    if (nr) {  /* clip to the result */
        PyObject *first = PyList_GET_ITEM(fresh, 0);
        long long a0 = PyLong_AsLongLong(PyTuple_GET_ITEM(first, 0));
        long long b0 = PyLong_AsLongLong(PyTuple_GET_ITEM(first, 1));
        if (a0 < 0) {
            PyObject *t0 = Py_BuildValue("(LL)", 0LL, b0);
            if (t0 == NULL || PyList_SetItem(fresh, 0, t0)) goto done;
        }
        PyObject *last = PyList_GET_ITEM(fresh, nr - 1);
        long long a1 = PyLong_AsLongLong(PyTuple_GET_ITEM(last, 0));
        long long b1 = PyLong_AsLongLong(PyTuple_GET_ITEM(last, 1));
        if (b1 > t) {
            PyObject *t1 = Py_BuildValue("(LL)", a1, t);
            if (t1 == NULL || PyList_SetItem(fresh, nr - 1, t1)) goto done;
        }
    }
    result = PyTuple_Pack(2, out, fresh);
done:
    Py_XDECREF(out);
    Py_XDECREF(fresh);
    PyBuffer_Release(&base);
    PyBuffer_Release(&delta);
    return result;
}

static PyMethodDef methods[] = {
    {"apply_delta_fresh", apply_delta_fresh, METH_VARARGS,
     "A delta applied to its base, and the result's fresh ranges widened by window."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_deltaloop", NULL, -1, methods,
};

PyMODINIT_FUNC
PyInit__deltaloop(void)
{
    return PyModule_Create(&module);
}
