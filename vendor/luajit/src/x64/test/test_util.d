test_util.o: test_util.cxx /usr/include/stdc-predef.h \
 /usr/lib/gcc/x86_64-redhat-linux/10/include/stdarg.h \
 /usr/include/stdio.h /usr/include/bits/libc-header-start.h \
 /usr/include/features.h /usr/include/sys/cdefs.h \
 /usr/include/bits/wordsize.h /usr/include/bits/long-double.h \
 /usr/include/gnu/stubs.h /usr/include/gnu/stubs-64.h \
 /usr/lib/gcc/x86_64-redhat-linux/10/include/stddef.h \
 /usr/include/bits/types.h /usr/include/bits/timesize.h \
 /usr/include/bits/typesizes.h /usr/include/bits/time64.h \
 /usr/include/bits/types/__fpos_t.h /usr/include/bits/types/__mbstate_t.h \
 /usr/include/bits/types/__fpos64_t.h /usr/include/bits/types/__FILE.h \
 /usr/include/bits/types/FILE.h /usr/include/bits/types/struct_FILE.h \
 /usr/include/bits/types/cookie_io_functions_t.h \
 /usr/include/bits/stdio_lim.h /usr/include/bits/sys_errlist.h \
 /usr/include/bits/stdio.h test_util.hpp /usr/include/sys/time.h \
 /usr/include/bits/types/time_t.h \
 /usr/include/bits/types/struct_timeval.h /usr/include/sys/select.h \
 /usr/include/bits/select.h /usr/include/bits/types/sigset_t.h \
 /usr/include/bits/types/__sigset_t.h \
 /usr/include/bits/types/struct_timespec.h /usr/include/bits/endian.h \
 /usr/include/bits/endianness.h /usr/include/c++/10/string \
 /usr/include/c++/10/x86_64-redhat-linux/bits/c++config.h \
 /usr/include/c++/10/x86_64-redhat-linux/bits/os_defines.h \
 /usr/include/c++/10/x86_64-redhat-linux/bits/cpu_defines.h \
 /usr/include/c++/10/bits/stringfwd.h \
 /usr/include/c++/10/bits/memoryfwd.h \
 /usr/include/c++/10/bits/char_traits.h \
 /usr/include/c++/10/bits/stl_algobase.h \
 /usr/include/c++/10/bits/functexcept.h \
 /usr/include/c++/10/bits/exception_defines.h \
 /usr/include/c++/10/bits/cpp_type_traits.h \
 /usr/include/c++/10/ext/type_traits.h \
 /usr/include/c++/10/ext/numeric_traits.h \
 /usr/include/c++/10/bits/stl_pair.h /usr/include/c++/10/bits/move.h \
 /usr/include/c++/10/type_traits \
 /usr/include/c++/10/bits/stl_iterator_base_types.h \
 /usr/include/c++/10/bits/stl_iterator_base_funcs.h \
 /usr/include/c++/10/bits/concept_check.h \
 /usr/include/c++/10/debug/assertions.h \
 /usr/include/c++/10/bits/stl_iterator.h \
 /usr/include/c++/10/bits/ptr_traits.h /usr/include/c++/10/debug/debug.h \
 /usr/include/c++/10/bits/predefined_ops.h \
 /usr/include/c++/10/bits/postypes.h /usr/include/c++/10/cwchar \
 /usr/include/wchar.h /usr/include/bits/floatn.h \
 /usr/include/bits/floatn-common.h /usr/include/bits/wchar.h \
 /usr/include/bits/types/wint_t.h /usr/include/bits/types/mbstate_t.h \
 /usr/include/bits/types/locale_t.h /usr/include/bits/types/__locale_t.h \
 /usr/include/c++/10/cstdint \
 /usr/lib/gcc/x86_64-redhat-linux/10/include/stdint.h \
 /usr/include/stdint.h /usr/include/bits/stdint-intn.h \
 /usr/include/bits/stdint-uintn.h /usr/include/c++/10/bits/allocator.h \
 /usr/include/c++/10/x86_64-redhat-linux/bits/c++allocator.h \
 /usr/include/c++/10/ext/new_allocator.h /usr/include/c++/10/new \
 /usr/include/c++/10/exception /usr/include/c++/10/bits/exception.h \
 /usr/include/c++/10/bits/exception_ptr.h \
 /usr/include/c++/10/bits/cxxabi_init_exception.h \
 /usr/include/c++/10/typeinfo /usr/include/c++/10/bits/hash_bytes.h \
 /usr/include/c++/10/bits/nested_exception.h \
 /usr/include/c++/10/bits/localefwd.h \
 /usr/include/c++/10/x86_64-redhat-linux/bits/c++locale.h \
 /usr/include/c++/10/clocale /usr/include/locale.h \
 /usr/include/bits/locale.h /usr/include/c++/10/iosfwd \
 /usr/include/c++/10/cctype /usr/include/ctype.h \
 /usr/include/c++/10/bits/ostream_insert.h \
 /usr/include/c++/10/bits/cxxabi_forced.h \
 /usr/include/c++/10/bits/stl_function.h \
 /usr/include/c++/10/backward/binders.h \
 /usr/include/c++/10/bits/range_access.h \
 /usr/include/c++/10/initializer_list \
 /usr/include/c++/10/bits/iterator_concepts.h \
 /usr/include/c++/10/concepts /usr/include/c++/10/bits/range_cmp.h \
 /usr/include/c++/10/bits/int_limits.h \
 /usr/include/c++/10/bits/basic_string.h \
 /usr/include/c++/10/ext/atomicity.h \
 /usr/include/c++/10/x86_64-redhat-linux/bits/gthr.h \
 /usr/include/c++/10/x86_64-redhat-linux/bits/gthr-default.h \
 /usr/include/pthread.h /usr/include/sched.h /usr/include/bits/sched.h \
 /usr/include/bits/types/struct_sched_param.h /usr/include/bits/cpu-set.h \
 /usr/include/time.h /usr/include/bits/time.h /usr/include/bits/timex.h \
 /usr/include/bits/types/clock_t.h /usr/include/bits/types/struct_tm.h \
 /usr/include/bits/types/clockid_t.h /usr/include/bits/types/timer_t.h \
 /usr/include/bits/types/struct_itimerspec.h \
 /usr/include/bits/pthreadtypes.h /usr/include/bits/thread-shared-types.h \
 /usr/include/bits/pthreadtypes-arch.h /usr/include/bits/struct_mutex.h \
 /usr/include/bits/struct_rwlock.h /usr/include/bits/setjmp.h \
 /usr/include/c++/10/x86_64-redhat-linux/bits/atomic_word.h \
 /usr/include/c++/10/ext/alloc_traits.h \
 /usr/include/c++/10/bits/alloc_traits.h \
 /usr/include/c++/10/bits/stl_construct.h \
 /usr/include/c++/10/ext/string_conversions.h /usr/include/c++/10/cstdlib \
 /usr/include/stdlib.h /usr/include/bits/waitflags.h \
 /usr/include/bits/waitstatus.h /usr/include/sys/types.h \
 /usr/include/endian.h /usr/include/bits/byteswap.h \
 /usr/include/bits/uintn-identity.h /usr/include/alloca.h \
 /usr/include/bits/stdlib-bsearch.h /usr/include/bits/stdlib-float.h \
 /usr/include/c++/10/bits/std_abs.h /usr/include/c++/10/cstdio \
 /usr/include/c++/10/cerrno /usr/include/errno.h \
 /usr/include/bits/errno.h /usr/include/linux/errno.h \
 /usr/include/asm/errno.h /usr/include/asm-generic/errno.h \
 /usr/include/asm-generic/errno-base.h /usr/include/bits/types/error_t.h \
 /usr/include/c++/10/bits/charconv.h \
 /usr/include/c++/10/bits/functional_hash.h \
 /usr/include/c++/10/bits/basic_string.tcc /usr/include/c++/10/vector \
 /usr/include/c++/10/bits/stl_uninitialized.h \
 /usr/include/c++/10/bits/stl_vector.h \
 /usr/include/c++/10/bits/stl_bvector.h \
 /usr/include/c++/10/bits/vector.tcc
