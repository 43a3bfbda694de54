# embed_bpf.cmake -DIN=obj -DOUT=file.c -DSYM=name: a BPF object as a C array.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n" body "${body}")
file(WRITE ${OUT} "/* Generated from ${IN} by formats/embed_bpf.cmake. */\n"
  "#include <stddef.h>\n"
  "const unsigned char ${SYM}[] __attribute__((aligned(8))) = {\n${body}};\n"
  "const size_t ${SYM}_len = ${bytes};\n")
