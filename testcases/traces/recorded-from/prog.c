#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct node { int key; struct node *left, *right; };
static struct node *insert(struct node *t, int key) {
    if (!t) { t = calloc(1, sizeof *t); t->key = key; return t; }
    if (key < t->key) t->left = insert(t->left, key); else t->right = insert(t->right, key);
    return t;
}
int main(void) { struct node *t = NULL; for (int i = 0; i < 100; i++) t = insert(t, (i * 37) % 101); printf("%d\n", t->key); return 0; }
