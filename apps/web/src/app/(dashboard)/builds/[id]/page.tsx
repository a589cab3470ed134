import { BuildDetail } from "@/components/builds/BuildDetail";

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <BuildDetail id={id} />;
}
